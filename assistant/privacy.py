"""Personal data in customer text: e-mail addresses, ID numbers, phone numbers and long digit runs are
masked (:func:`mask_personal`) before a question is stored or shown to the support team."""

from __future__ import annotations

import re

# Personal data customers paste into questions is masked before anything is stored. Order matters:
# e-mail first (its digits are not a phone), then ID numbers, then phones, then any other long run.
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_CN_ID = re.compile(
    r"(?<![0-9])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[0-9Xx](?![0-9A-Za-z])"
)
# Digit groups joined by spaces, dashes, dots or brackets, optionally with +country code: counted
# as a phone when it holds at least 8 digits and is not a date (shorter groups are amounts, versions).
_PHONE = re.compile(
    r"(?<![0-9A-Za-z.+])(?:\+\d{1,3}[\s-]?)?(?:\(\d{1,4}\)[\s-]?)?\d{2,4}(?:[\s.-]\d{2,8}){1,4}(?![0-9A-Za-z.])"
)
_DATE = re.compile(r"\d{4}[-./]\d{1,2}[-./]\d{1,2}")
_CN_MOBILE = re.compile(r"(?<![0-9])(?:\+?86[\s-]?)?1[3-9]\d{9}(?![0-9])")
_LONG_DIGITS = re.compile(r"(?<![0-9])\d{8,}(?![0-9])")
PHONE_MIN_DIGITS = 8
MASKS = {"email": "[email]", "id": "[id]", "phone": "[phone]", "number": "[number]"}


def _mask_phone(match: re.Match[str]) -> str:
    text = match.group(0)
    digits = sum(ch.isdigit() for ch in text)
    return MASKS["phone"] if digits >= PHONE_MIN_DIGITS and not _DATE.fullmatch(text) else text


def mask_personal(text: str) -> str:
    """``text`` with e-mail addresses, Chinese ID numbers, phone numbers and digit runs of 8 or more
    replaced by ``[email]``, ``[id]``, ``[phone]``, ``[number]`` (amounts, dates and versions stay)."""
    text = _EMAIL.sub(MASKS["email"], text)
    text = _CN_ID.sub(MASKS["id"], text)
    text = _CN_MOBILE.sub(MASKS["phone"], text)
    text = _PHONE.sub(_mask_phone, text)
    return _LONG_DIGITS.sub(MASKS["number"], text)


__all__ = ["MASKS", "mask_personal"]
