"""What the tests and the benchmarks both use to run the product: servers, a browser's settings."""
