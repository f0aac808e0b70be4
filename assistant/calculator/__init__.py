"""Deterministic calculator for the FAQ's numeric questions, in Chinese and English.

Usage (the engine's)::

    calc = Calculator.load(Path("kb/facts.toml"), entries)
    answer = calc.try_answer("好友实际支付了 60 元，赠金多少", language="zh")   # kind "calculation", value 6

Modules, one job each: :mod:`.spelling` repairs traditional characters and misspelt keywords;
:mod:`.numbers` reads numerals, percentages, 折 and money; :mod:`.clock`, :mod:`.dates` and :mod:`.zones`
read times of day, dates and time zones; :mod:`.lexicon` holds the vocabulary; :mod:`.query` reads a
question; :mod:`.facts` loads the cited numbers of ``kb/facts.toml``; :mod:`.moments` places a question in
time. :mod:`.rules` tries the rules in order and guards every number; the rules live by family in
:mod:`.referral`, :mod:`.billing` (renewal charges), :mod:`.glm5`, :mod:`.quota` and :mod:`.deadlines`,
with shared helpers in :mod:`.common` and what prompts cost count by count (GLM-5 multiplied, other models
once) in :mod:`.usage`.
:mod:`.messages` words the reply; :mod:`.calculator` ties them together.
"""

from .calculator import Calculator

__all__ = ["Calculator"]
