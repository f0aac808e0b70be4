"""Renewal charges: how a subscription fee is split between the bonus-credit balance, the cash balance and the
bound payment method (WeChat, Alipay), in the order the FAQ gives (订阅费用是如何扣除的: bonus credit first,
then cash balance, then the third-party payment method).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

from .common import first_problem, plain_number
from .facts import Facts
from .lexicon import LEXICON
from .numbers import Quantity
from .outcomes import Computed, NeedInput, Outcome, Refusal, msg
from .query import Query

Part = Literal["fee", "credit", "cash", "third"]

# What each amount is. Bonus credit is tried before cash so that "赠金余额" is credit, not a cash balance.
_LABELS: tuple[tuple[Part, re.Pattern[str]], ...] = (
    (
        "fee",
        re.compile(
            r"自动续费|续费|续订|扣费|订阅费|月费|年费|套餐费|\brenew\w*|\bfees?\b|\bsubscription(?: fee| price)?\b|"
            r"\bprice\b|\bcosts?\b",
            re.ASCII,
        ),
    ),
    ("credit", re.compile(r"赠金(?:余额)?|\bbonus(?: credits?| balance)?\b|\bcredits?(?: balance)?\b", re.ASCII)),
    ("cash", re.compile(r"现金余额|现金|账户余额|余额|\bcash(?: balance)?\b|\b(?:account )?balance\b", re.ASCII)),
    (
        "third",
        re.compile(
            r"支付宝|微信|第三方|银行卡|信用卡|绑定的?(?:支付方式|卡)|\balipay\b|\bwechat\b|\bweixin\b|\bcards?\b|"
            r"\bthird[\s-]party\b|\bpayment method\b|\bbank\b",
            re.ASCII,
        ),
    ),
)
_CURRENCY = r"\s*(?:元|块钱|块|\byuan\b|\brmb\b|\bcny\b)?\s*(?:的)?\s*"
# Words between a label and its amount: "赠金还有 250", "cash balance is 50", "现金余额为 0".
_FILLER = re.compile(r"\s*(?:是|为|有|还有|还剩|剩|只有|共|:|：|of|is|was|only|still|=)?\s*(?:了)?\s*$", re.ASCII)
_LEADING_LABEL = re.compile(_CURRENCY)


def _label_at(text: str) -> Part | None:
    """The label that ``text`` starts with (after a currency word), if any."""
    lead = _LEADING_LABEL.match(text)
    rest = text[lead.end() if lead else 0 :]
    for part, pattern in _LABELS:
        match = pattern.match(rest)
        if match:
            return part
    return None


def _last_label(text: str) -> tuple[Part, int] | None:
    """The label written last in ``text`` and where it ends."""
    best: tuple[Part, int] | None = None
    for part, pattern in _LABELS:
        for match in pattern.finditer(text):
            if best is None or match.end() > best[1]:
                best = (part, match.end())
    return best


def _label_before(q: Query, amount: Quantity) -> Part | None:
    """The label written right before ``amount`` ("续费 49", "赠金还有250"), if any."""
    before = q.before(amount)
    last = _last_label(before)
    return last[0] if last is not None and _FILLER.match(before[last[1] :]) else None


def _role(q: Query, amount: Quantity) -> Part | None:
    """What ``amount`` is: the fee, the bonus-credit balance, the cash balance; None when no word says."""
    right_before = _label_before(q, amount)
    if right_before is not None:
        return right_before
    last = _last_label(q.before(amount))
    after = _label_at(q.after(amount, 24))
    if after is not None:
        return after  # "30 yuan bonus credit", "0 cash balance"
    return last[0] if last is not None else None


def _asked_part(q: Query, amounts: list[Quantity]) -> Part | None:
    """Which part of the charge is asked for: the words after the last amount (less its own label), else the
    words before the first amount ("How much will Alipay charge if I renew at 149 ...")."""
    tail = q.text[amounts[-1].end :]
    lead = _LEADING_LABEL.match(tail)
    tail = tail[lead.end() if lead else 0 :]
    if _label_before(q, amounts[-1]) is None:  # "0 cash balance, 支付宝扣多少": the amount's own label
        for _, pattern in _LABELS:
            own = pattern.match(tail)
            if own:
                tail = tail[own.end() :]
                break
    for text in (tail, q.text[: amounts[0].start]):
        if not (LEXICON["how_many"].search(text) or LEXICON["cost_q"].search(text)):
            continue
        found = {part for part, pattern in _LABELS if part != "fee" and pattern.search(text)}
        for part in ("third", "cash", "credit"):
            if part in found:
                return part  # type: ignore[return-value]
    return None


def _applies(q: Query) -> bool:
    if q.has("friend", "invite") or not q.has("how_many", "cost_q"):
        return False
    labels = {part for part, pattern in _LABELS if pattern.search(q.text)}
    charged = q.has("renewal", "billing") or "fee" in labels
    return charged and "credit" in labels and bool(labels & {"cash", "third"})


def renewal_charge(q: Query, facts: Facts, now: datetime) -> Outcome | None:
    """A renewal fee is taken from the bonus credit first, then the cash balance, then the payment method."""
    if not _applies(q):
        return None
    entry = facts.entry("charge_order")
    amounts = sorted(q.of_unit("cny", "none"), key=lambda x: x.start)
    if not amounts:
        return None
    problem = first_problem(amounts)
    if problem:
        return Refusal("renewal_charge", problem, entry)
    roles: dict[Part, Quantity] = {}
    for amount in amounts:
        role = _role(q, amount)
        if role is None or role == "third" or role in roles:
            return NeedInput("renewal_charge", msg("ask_unused", text=amount.text.strip()), entry)
        roles[role] = amount
    asked = _asked_part(q, amounts)
    if asked is None:
        return NeedInput("renewal_charge", msg("ask_charge_part"), entry)
    missing = [part for part in ("fee", "credit", "cash") if part not in roles]
    if missing:
        return NeedInput("renewal_charge", msg("ask_charge_amounts", missing=tuple(missing)), entry)
    fee, credit, cash = (roles[p].value for p in ("fee", "credit", "cash"))
    from_credit = min(fee, credit)
    from_cash = min(fee - from_credit, cash)
    third = fee - from_credit - from_cash
    value = {"credit": from_credit, "cash": from_cash, "third": third}[asked]
    steps = (
        msg("step_charge_credit", fee=fee, credit=credit, part=from_credit),
        msg("step_charge_cash", fee=fee, taken=from_credit, cash=cash, part=from_cash),
        msg("step_charge_third", fee=fee, credit=from_credit, cash=from_cash, part=third),
    )
    return Computed(
        "renewal_charge",
        plain_number(value),
        "CNY",
        msg("head_charge", part=asked, amount=value),
        steps,
        (msg("note_charge_order"),),
        (entry,),
        frozenset(a.start for a in amounts),
        (("fee", fee), ("bonus_credit", credit), ("cash_balance", cash), ("asked", asked)),
    )


__all__ = ["renewal_charge"]
