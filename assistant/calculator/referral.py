"""Referral credit: the referral rate × the cash a referred friend actually paid (after discounts, coupons and spent
credit), unless a condition of the FAQ rules it out (refund, not a new user, paid after 72 hours).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from ..models import Entry
from .common import cents, first_problem, plain_number
from .facts import Facts
from .lexicon import LEXICON, MASKED_BEFORE
from .numbers import Quantity
from .outcomes import Computed, Explained, Msg, NeedInput, Outcome, Refusal, msg
from .query import Query

MoneyRole = Literal["paid", "original", "deduction", "part"]
_DEDUCTION_AFTER = re.compile(
    r"\s*(?:的)?\s*(?:(?:worth\s+)?(?:of|in)\s+(?:(?:his|her|their|my|the|own|own's)\s+){0,2})?(?:优惠券|代金券|抵用券|券|抵扣|积分|余额|\bcoupons?\b|\bvouchers?\b|\bgift\b|\bpoints\b|\boff\b|"
    r"\bdiscount\b|(?P<credit>赠金|\bcredits?\b|\bbonus\b)(?!\s*(?:是|有|能|可以|会|该|应该|一共|总共)?\s*(?:多少|几|怎么|吗|呢|\?)))",
    re.ASCII,
)
_REDUCTION_AFTER = re.compile(
    r"\s*(?:\boff\b|\bdiscount\w*|\breduction\b|\b(?:invite|invitation|referral) (?:discount|reduction|cut)\b|"
    r"的?折扣|的?优惠|立减|减免)",
    re.ASCII,
)
_ROLE_WORDS: tuple[tuple[MoneyRole, re.Pattern[str]], ...] = (
    # Only words about handing over cash: "买了 100 元的套餐" / "bought the 100 yuan plan" names a price.
    (
        "paid",
        re.compile(
            r"实际支付|实际付|实付|最终支付|最后支付|付了|支付了|付款了|交了|花了|付|支付|充值|\bpaid\b|\bpays?\b|"
            r"\bpaying\b|\bpayments?\b|\bspent\b|\bspend\b",
            re.ASCII,
        ),
    ),
    (
        "original",
        re.compile(
            r"原价|标价|售价|定价|原本|价格|价钱|套餐价|\boriginal(?:ly)?\b|\blist price\b|"
            r"\blist(?:s|ed)? (?:at|for)\b|\bfull price\b|\bregular price\b|\bprice[ds]?\b|\bcosts?\b|\bpriced\b",
            re.ASCII,
        ),
    ),
    (
        "deduction",
        re.compile(
            # "my referral credit" / "我的赠金" name the credit asked for, not one that was spent.
            r"(?<!我的)赠金(?!\s*(?:是|有|能|会)?\s*(?:多少|几))|优惠券|代金券|抵用券|券|抵扣|积分|余额|立减|减免|减了|减|"
            r"\bcoupons?\b|\bvouchers?\b|\bgift\b|(?<!referral )(?<!invite )(?<!my )\b(?:credits?|bonus)\b|"
            r"\bpoints\b|\bdiscount\b",
            re.ASCII,
        ),
    ),
)
_PRICE_AFTER = re.compile(
    r"\s*(?:的)?\s*(?:套餐|方案|订阅|年费|月费|年付|月付|\bplan\b|\bsubscription\b|\bpackage\b|\bannual\b|\bmonthly\b|"
    r"\byearly\b)",
    re.ASCII,
)
_REDUCTION_BEFORE = re.compile(
    r"立减|减免|减了|减|优惠|折扣|便宜|打折|\boff\b|\bdiscount\w*|\breduc\w*|\bless\b|\bcut\b", re.ASCII
)


# Words that spend a credit or coupon: "用了 5 元赠金" is a deduction, "原价 200 赠金" ends with the question.
_SPENT_BEFORE = re.compile(r"用|使用|抵|扣|\bused?\b|\bwith\b|\bapplied\b|\bredeem\w*", re.ASCII)


def _asked_credit(q: Query, amount: Quantity, after: re.Match[str]) -> bool:
    """True when the credit word after ``amount`` ends the question ("好友首单 5 折 原价 200 赠金"): it is
    the credit asked for, not a credit spent, unless a word such as 用了 or used says it was spent."""
    if not after.group("credit"):
        return False
    tail = q.text[amount.end + after.end() :]
    return not tail.strip(" ?？!！。.") and not _SPENT_BEFORE.search(q.before(amount))


# "付了 80 元，其中 30 元是他用的赠金" / "paid 80, 30 of which was his bonus credit": a part of the payment
# that was not cash. It comes off the payment; the rest is the cash the credit is computed from.
_PART_BEFORE = re.compile(r"(?:其中|里面有|里头有|包括|包含|\bof (?:that|it|which)\b|\bincluding\b)\s*$", re.ASCII)
_PART_AFTER = re.compile(
    r"\s*(?:元|块|yuan|rmb|cny)?\s*(?:of (?:which|that|it) )?(?:was|were|is|是|为|用|用的)", re.ASCII
)
_NOT_CASH = re.compile(
    r"赠金|优惠券|代金券|抵用券|券|积分|余额|\bcredits?\b|\bbonus\b|\bcoupons?\b|\bvouchers?\b|\bpoints\b|\bbalance\b",
    re.ASCII,
)


# "15 covered by bonus credit, 10 by points": the part of a payment that credit or points paid.
_PART_BY = re.compile(
    r"\s*(?:元|块|yuan|rmb|cny)?\s*(?:of (?:it|that|which)\s+)?(?:(?:was|were|is|are|got)\s+)?"
    r"(?:(?:covered|paid|settled)\s+(?:by|with|using|via)|by)\s+"
    r"(?:(?:his|her|their|own|the|a|some)\s+){0,3}(?:bonus|credits?|points|balance)\b",
    re.ASCII,
)


def _is_part(q: Query, amount: Quantity) -> bool:
    """Whether ``amount`` is the part of a stated payment that was paid with credit, coupons or points."""
    if _PART_BY.match(q.text, amount.end):
        return True
    if not (_PART_BEFORE.search(q.before(amount)) or _PART_AFTER.match(q.after(amount, 24))):
        return False
    if not _PART_BEFORE.search(q.before(amount)) and not re.search(r"\bof (?:which|that|it)\b", q.after(amount, 24)):
        return False
    return bool(_NOT_CASH.search(q.after(amount, 30)))


# "全部用他的赠金付的" / "paid it all with his own bonus credit": no cash was paid at all, so the credit is 0.
_ALL_NOT_CASH = re.compile(
    r"(?:全部|全额|全都|都|完全|整单|整个订单)\s*(?:是|都)?\s*(?:用|使用|拿|靠|由)\s*(?:了)?\s*(?:他|她|对方|好友|朋友)?\s*(?:自己)?\s*的?"
    r"\s*(?:赠金|余额|积分|优惠券|代金券|抵用券)|(?:赠金|积分|优惠券|代金券)\s*(?:全额|全部)\s*(?:抵扣|抵|支付|付)|"
    r"\b(?:entirely|fully|all|completely|wholly|100%)\s+(?:\w+\s+){0,3}?(?:with|by|from|using|in|on)\s+"
    r"(?:(?:his|her|their|own|the|a|bonus|referral|account|store)\s+){0,3}(?:credits?|bonus|points|coupons?|vouchers?)\b|"
    r"\b(?:the )?(?:whole|entire|full) (?:[\d.,]+ ?(?:yuan|rmb|cny|元|块)? )?(?:order|thing|amount|price|payment)\b"
    r"(?:\s+\w+){0,3}?\s+(?:with|by|from|using)\s+"
    r"(?:(?:his|her|their|own|the|a|bonus|referral|account)\s+){0,3}(?:credits?|bonus|points|coupons?|vouchers?)\b|"
    r"\bno cash\b|\bwithout (?:paying )?(?:any )?cash\b|没(?:有)?(?:付|花|用)(?:一分)?现金|现金\s*(?:是\s*)?0\b",
    re.ASCII,
)


# "paid 60 yuan with his bonus credit" / "用赠金付了 60": paid with something other than cash, without saying
# whether all of it was: the cash part is unknown, so it is asked for (never 10% of the whole).
_PAID_WITH_NOT_CASH = re.compile(
    r"\b(?:paid|pays|paying|pay|bought|covered)\b[^.?!]{0,30}?\b(?:with|using|by)\s+"
    r"(?:(?:his|her|their|own|the|a|some|bonus|referral|account)\s+){0,3}(?:credits?|bonus|points|coupons?|vouchers?)\b|"
    r"(?:用|使用|拿)\s*(?:了)?\s*(?:他|她|对方|好友|朋友)?\s*(?:自己)?\s*的?\s*(?:赠金|余额|积分|优惠券|代金券)\s*"
    r"(?:付|支付|抵扣|抵|买)",
    re.ASCII,
)

_CASH_AFTER = re.compile(r"\s*(?:元|块|yuan|rmb|cny)?\s*(?:in |of )?(?:cash|现金)")

_LIST_SEPARATOR = re.compile(r"\s*(?:元|块)?\s*(?:、|,|，|/|和|与|及|\band\b|&)\s*", re.ASCII)


def _money_role(q: Query, amount: Quantity) -> MoneyRole | None:
    """What an amount of money is, from the words around it: paid cash, the original price, a deduction, or the
    part of a payment made with credit or coupons."""
    if _is_part(q, amount):
        return "part"
    deduction = _DEDUCTION_AFTER.match(q.after(amount, 40))
    if deduction and not _asked_credit(q, amount, deduction):
        return "deduction"
    if _PRICE_AFTER.match(q.after(amount, 24)):
        return "original"  # "the 200 yuan plan", "200 元的套餐": the plan's price
    before = q.before(amount)
    role: MoneyRole | None = None
    last = -1
    for name, pattern in _ROLE_WORDS:
        for match in pattern.finditer(before):
            if match.end() > last:  # the keyword closest to the amount wins
                role, last = name, match.end()
    previous = [x for x in q.quantities if x.end <= amount.start]
    if role is None and previous and _LIST_SEPARATOR.fullmatch(q.text, previous[-1].end, amount.start):
        return _money_role(q, previous[-1])  # "实付分别是 50、80、120 元": one role for the whole list
    return role


def _is_reduction(q: Query, share: Quantity) -> bool:
    """A percentage next to 立减/off/discount is a price reduction; one next to 赠金/credit is the referral rate."""
    if _REDUCTION_AFTER.match(q.after(share, 24)) or _REDUCTION_BEFORE.search(q.before(share)):
        return True
    start, end = q.clause(share.start)
    return not LEXICON["referral"].search(q.text[start:end])


def _money(q: Query) -> list[Quantity]:
    """The amounts of money in the question: written with a currency, or bare after 原价/实付/paid."""
    money = list(q.of_unit("cny"))
    bare = tuple(x for x in q.of_unit("none") if not _DURATION_AFTER.match(q.text, x.end))
    if not money and q.has("paid", "friend"):
        return list(bare)  # "好友付了 88，赠金多少": the currency is implied
    # "原价 100，……用了 5 块赠金": a bare number right after 原价/实付 is money too.
    return sorted(
        [*money, *(x for x in bare if _money_role(q, x) in ("paid", "original", "part"))], key=lambda x: x.start
    )


# "剩下现金支付", "剩下的支付宝付的", "paid the remaining 250 by WeChat", "the rest in cash" say how the rest of a
# payment was made; they do not ask what is left.
_REST_IN_CASH = re.compile(
    r"(?:剩下|剩余|其余|余下)的?(?:部分|金额|钱)?[^，,。；;？?!！多几]{0,8}?(?:现金|微信|支付宝|银行卡|信用卡|花呗|付|支付|"
    r"\bcash\b|\bpa(?:y|id)\b)|"
    r"\b(?:the )?(?:rest|remainder|remaining)\b[^,.;?!]{0,30}?\b(?:in|with|by|on|via|using|through) (?:\w+ )?"
    r"(?:cash|wechat|alipay|cards?|paypal)\b|"
    r"\b(?:paid|pays|pay|paying|covered) (?:for )?(?:the )?(?:rest|remainder|remaining)\b|"
    r"\b(?:the )?(?:rest|remainder)\b(?: \w+){0,2} (?:paid|in cash)\b",
    re.ASCII,
)


def _referral_asked(q: Query) -> bool:
    """Whether the question is about the referral credit.

    Either it asks for it ("赠金多少", "how much do I get" about a friend's payment), or it names an amount
    that a friend paid, which implies the only rule about a friend's money: "朋友付了 50 元",
    "friend paid 88 yuan, referral credit?". Timing, refresh and how-to questions are the FAQ's.
    """
    left = q.has("remaining") and LEXICON["remaining"].search(_REST_IN_CASH.sub(" ", q.text)) is not None
    if left or q.has("which_time", "refresh") or (q.has("howto") and not q.has("calc_word")):
        return False
    if q.has("asks_other") and not q.has("how_many", "i_get", "calc_word"):
        return False  # "好友实付 100 元，我拿到的 10 元赠金能提现吗" asks a yes/no or where, not a number
    if q.has("monthly_value") and not q.has("friend", "referral"):
        return False  # "how much API value do I get for 50 yuan a month" is the monthly-value rule
    if q.has("referral") and q.has("how_many", "calc_word"):
        return True
    if q.has("i_get") and q.has("friend") and q.has("paid"):
        return True
    with_amount = bool(q.of_unit("cny")) or any(_money_role(q, x) in ("paid", "original") for x in q.of_unit("none"))
    return with_amount and (q.has("referral", "i_get") or (q.has("friend") and q.has("paid", "ordered")))


def referral_credit(q: Query, facts: Facts, now: datetime) -> Outcome | None:
    """Referral credit = referral rate × the cash the friend actually paid (FAQ example: 100×0.5×0.9−5 = 40 → 4)."""
    if not _referral_asked(q):
        return None
    entry = facts.entry("referral_rate")
    rate = facts.number("referral_rate")
    excluded: dict[int, Explained] = {}
    ruled_out = _ruled_out(q, facts)
    if isinstance(ruled_out, Explained):
        excluded = _conditions_by_friend(q, facts)
        if not excluded:
            return ruled_out
        ruled_out = frozenset()
    if q.has("maybe_returning") and not excluded:
        return NeedInput("referral_credit", msg("ask_new_user"), entry)
    money = _money(q)
    shares = list(q.of_unit("percent", "zhe"))
    problem = first_problem(money + shares)
    if problem:
        return Refusal("referral_credit", problem, entry)
    used = ruled_out | frozenset(x.start for x in money + shares) | _friend_counts(q, money) | _durations(q)
    if len(q.dates) == 1 and not q.times:
        used |= {q.dates[0].start}  # the day a friend signed up or paid does not change the amount
    if q.has("asks_payment"):
        return _payment_for_credit(q, money, shares, rate, entry, used)

    roles = [(amount, _money_role(q, amount)) for amount in money]
    paid = [amount for amount, role in roles if role == "paid"]
    parts = [amount for amount, role in roles if role == "part"]
    deductions = [amount for amount, role in roles if role == "deduction"]
    bases = [amount for amount, role in roles if role in ("original", None)]

    factors: list[tuple[Decimal, Msg]] = []  # share of the price kept, and how to show it
    for share in sorted(shares, key=lambda s: s.start):
        if share.unit == "zhe":
            kept = share.fraction()
            if kept is None or kept > 1:
                return Refusal("referral_credit", msg("bad_discount", text=share.text), entry)
            factors.append((kept, msg("f_keep", share=kept, text=share.text)))
        elif _is_reduction(q, share):
            cut = share.value / 100
            if cut > 1:
                return Refusal("referral_credit", msg("bad_discount", text=share.text), entry)
            factors.append((1 - cut, msg("f_cut", share=cut)))
        elif share.value / 100 != rate:  # "返 20%": a rate the FAQ does not state is not silently replaced
            return NeedInput("referral_credit", msg("ask_unused", text=share.text), entry)
    if q.has("half_price") and not any(kept == Decimal("0.5") for kept, _ in factors):
        factors.append((Decimal("0.5"), msg("f_keep", share=Decimal("0.5"), text="½")))
    notes: list[Msg] = []
    if q.has("invite_reduction") and not _stated_invite_cut(q):
        cut = facts.number("invite_discount")
        factors.append((1 - cut, msg("f_cut", share=cut)))
        notes.append(msg("note_invite_from_faq", share=cut))

    if not paid and not bases:
        if not (money or shares or deductions) and not (q.has("how_many") and q.has("paid", "friend")):
            # "what's my referral credit?" or "用了优惠券赠金怎么算" with no amount: the FAQ answers it.
            return None
        ask = msg("ask_price") if (deductions or factors) else msg("ask_paid", rate=rate)
        return NeedInput("referral_credit", ask, entry)
    steps: list[Msg] = []
    unknown = [amount for amount, role in roles if role is None]
    whole = [x for x in bases if x.start < min((p.start for p in parts), default=0)]
    if parts and not paid and len(whole) == len(bases) == 1 and not (deductions or factors):
        # "首单 90 元，其中 20 元是他的赠金" / "60 yuan: 15 covered by bonus credit": the amount the parts are of
        paid, unknown, bases = whole, [], []
    if parts and not (len(paid) == 1 and not (unknown or bases or deductions or factors)):
        return NeedInput("referral_credit", msg("ask_which_amount"), entry)
    if parts:
        return _credit_of_cash_part(paid[0], parts, rate, entry, used)
    if len(money) == 1 and not (shares or parts) and _ALL_NOT_CASH.search(q.text):
        return _credit_of_cash_part(money[0], [money[0]], rate, entry, used)
    said_cash = money and _CASH_AFTER.match(q.after(money[0], 16))  # "paid 0 cash": the amount is the cash
    if len(money) == 1 and not (shares or parts or said_cash) and _PAID_WITH_NOT_CASH.search(q.text):
        return NeedInput("referral_credit", msg("ask_paid", rate=rate), entry)
    if paid and unknown and not (deductions or factors) and q.has("compare") and q.has("difference"):
        both = sorted([*paid, *unknown], key=lambda x: x.start)
        if len(both) == 2:
            return _credit_difference(both, rate, entry, used)
    first = _first_order_only(q, sorted([*paid, *unknown], key=lambda x: x.start))
    if first is not None and not (deductions or factors):
        paid, unknown, bases = [first], [], []
        notes.append(msg("note_first_order_only"))
        used |= frozenset(x.start for x in money)
    if paid and unknown:
        # "one paid 49, the other 99" / "had paid 100 instead of 80": an amount of no stated role beside a
        # payment is another payment, not a price the payment explains. Added up when a total is asked.
        paid = sorted([*paid, *unknown], key=lambda x: x.start)
        if (
            not (q.has("total") and _SEVERAL_FRIENDS.search(q.text))
            or deductions
            or factors
            or len(bases) > len(unknown)
        ):
            return NeedInput("referral_credit", msg("ask_which_amount"), entry)
        bases = []
    if len(paid) > 1 and q.has("renewal"):
        return NeedInput("referral_credit", msg("ask_which_amount"), entry)  # only the first order counts
    if excluded and not (len(paid) > 1 and set(excluded) <= {p.start for p in paid}):
        return next(iter(excluded.values()))
    if len(paid) > 1:
        return (
            _credit_total(q, paid, rate, entry, used, excluded)
            if not (bases or deductions or factors)
            else NeedInput("referral_credit", msg("ask_which_amount"), entry)
        )
    if paid:
        cash = paid[-1].value
        steps.append(msg("step_cash_given", cash=cash))
        if deductions or factors or bases:
            notes.append(msg("note_paid_wins", cash=cash))
    else:
        if len(bases) > 1:
            return NeedInput("referral_credit", msg("ask_which_amount"), entry)
        base = bases[0]
        cash = base.value
        for kept, _ in factors:
            cash *= kept
        cash -= sum((d.value for d in deductions), Decimal(0))
        cash = cents(cash)
        if deductions and cash < 0:
            notes.append(msg("note_clamped"))
        steps.append(
            msg(
                "step_cash",
                base=base.value,
                factors=tuple(m for _, m in factors),
                deductions=tuple(d.value for d in deductions),
                cash=max(cash, Decimal(0)),
            )
        )
        if cash < 0:
            notes.append(msg("note_nothing_paid"))
            cash = Decimal(0)
        if not factors and not deductions and _money_role(q, base) is None:
            notes.append(msg("note_assumed_paid", cash=cash))
    credit = cents(cash * rate)
    steps.append(msg("step_credit", cash=cash, rate=rate, credit=credit))
    slots = (("cash_paid", cash), ("rate", rate), ("credit", credit))
    return _reply(credit, msg("head_credit", credit=credit), steps, rate, (entry,), used, slots, notes)


def _reply(
    value: Decimal,
    head: Msg,
    steps: Sequence[Msg],
    rate: Decimal,
    cites: tuple[Entry, ...],
    used: frozenset[int],
    slots: tuple[tuple[str, Any], ...],
    notes: Sequence[Msg] = (),
) -> Computed:
    """A computed referral credit (or the payment it takes) in CNY; the FAQ's rule is always the last note."""
    notes = (*notes, msg("note_referral_rule", rate=rate))
    return Computed("referral_credit", plain_number(value), "CNY", head, tuple(steps), notes, cites, used, slots)


def _payment_for_credit(
    q: Query, money: list[Quantity], shares: list[Quantity], rate: Decimal, entry: Entry, used: frozenset[int]
) -> Outcome:
    """The rule backwards: the cash friends must pay for a credit the customer wants ("to earn 50 CNY of credit,
    how much must they pay?"). Only from one stated credit; anything more is asked about, never guessed."""
    if len(money) != 1 or shares:
        return NeedInput("referral_credit", msg("ask_which_amount"), entry)
    credit = money[0].value
    cash = cents(credit / rate)
    head = msg("head_payment_for_credit", cash=cash, credit=credit)
    steps = (msg("step_payment_for_credit", cash=cash, rate=rate, credit=credit),)
    return _reply(cash, head, steps, rate, (entry,), used, (("credit", credit), ("rate", rate), ("cash_paid", cash)))


def _credit_of_cash_part(
    paid: Quantity, parts: list[Quantity], rate: Decimal, entry: Entry, used: frozenset[int]
) -> Outcome:
    """A payment of which a part was bonus credit, coupons or points: the credit is on the cash part only."""
    cash = paid.value - sum((p.value for p in parts), Decimal(0))
    if cash < 0:
        return NeedInput("referral_credit", msg("ask_which_amount"), entry)
    credit = cents(cash * rate)
    steps = (
        msg("step_cash", base=paid.value, factors=(), deductions=tuple(p.value for p in parts), cash=cash),
        msg("step_credit", cash=cash, rate=rate, credit=credit),
    )
    slots = (("cash_paid", cash), ("rate", rate), ("credit", credit))
    return _reply(credit, msg("head_credit", credit=credit), steps, rate, (entry,), used, slots)


def _credit_difference(amounts: list[Quantity], rate: Decimal, entry: Entry, used: frozenset[int]) -> Outcome:
    """ "Had he paid 100 instead of 80, how much more?": the credit of each payment and their difference."""
    credits = [cents(a.value * rate) for a in amounts]
    high, low = max(credits), min(credits)
    steps = [msg("step_credit", cash=a.value, rate=rate, credit=c) for a, c in zip(amounts, credits, strict=True)]
    steps.append(msg("step_minus", high=high, low=low, diff=high - low))
    slots = (("cash_paid", tuple(a.value for a in amounts)), ("rate", rate), ("credit", high - low))
    return _reply(high - low, msg("head_credit_diff", diff=high - low), steps, rate, (entry,), used, slots)


_FIRST_ORDER = re.compile(r"首单|首次|第一单|第一次|首购|\bfirst (?:order|payment|purchase)\b", re.ASCII)


def _first_order_only(q: Query, amounts: list[Quantity]) -> Quantity | None:
    """The first-order payment when the other payments are renewals (only the first order earns credit)."""
    if len(amounts) < 2 or not q.has("renewal"):
        return None
    first: list[Quantity] = []
    previous_end = 0
    for amount in amounts:
        # the words since the previous payment: "第二年续费又付了 600" names the renewal before its own clause
        clause = q.text[previous_end : q.clause(amount.start)[1]]
        previous_end = amount.end
        renewal = LEXICON["renewal"].search(clause) is not None
        if renewal == bool(_FIRST_ORDER.search(clause)):
            return None  # a payment that is neither, or both: ask which one
        if not renewal:
            first.append(amount)
    return first[0] if len(first) == 1 else None


_DURATION_AFTER = re.compile(r"\s*(?:年|个?月|\byears?\b|\bmonths?\b|-year\b|-month\b)", re.ASCII)


def _durations(q: Query) -> frozenset[int]:
    """ "买了 1 年 Pro", "a 3-month plan": how long the plan runs does not change the credit on the cash paid."""
    return frozenset(x.start for x in q.of_unit("count", "none") if _DURATION_AFTER.match(q.text, x.end))


def _credit_total(
    q: Query,
    paid: list[Quantity],
    rate: Decimal,
    entry: Entry,
    used: frozenset[int],
    excluded: dict[int, Explained] | None = None,
) -> Outcome:
    """Several friends' payments: the credit of each, then the total, only when a total is asked for. A payment
    whose own clause states a condition of the FAQ that rules its credit out (not a new user, refunded) earns 0."""
    excluded = excluded or {}
    if not q.has("total") or len(excluded) >= len(paid):
        return NeedInput("referral_credit", msg("ask_which_amount"), entry)
    credits = [Decimal(0) if p.start in excluded else cents(p.value * rate) for p in paid]
    steps = [msg("step_credit", cash=p.value, rate=rate, credit=c) for p, c in zip(paid, credits, strict=True)]
    steps = [
        msg("step_no_credit", cash=p.value, reason=excluded[p.start].message) if p.start in excluded else step
        for p, step in zip(paid, steps, strict=True)
    ]
    total = sum(credits, Decimal(0))
    steps.append(msg("step_parts", parts=tuple(credits), total=total))
    cites = (entry, *dict.fromkeys(x.cite for x in excluded.values()))
    slots = (("cash_paid", tuple(p.value for p in paid)), ("rate", rate), ("credit", total))
    return _reply(total, msg("head_credit_total", credit=total), steps, rate, cites, used, slots)


# Payments by different friends ("one paid 49, the other 99", "两个朋友", "另一个"): only then are they added up.
_SEVERAL_FRIENDS = re.compile(
    r"另一|另外一|其中一|其他|其余|\b(?:the )?other\b|\banother\b|\b(?:two|three|2|3|both) (?:\w+ )?friends\b|"
    r"(?:两|二|三|俩|2|3)\s*(?:个|位|名)?\s*(?:好友|朋友)|friends?.{0,40}\beach\b",
    re.ASCII,
)
_FRIEND_AFTER = re.compile(r"\s*(?:位|名)?\s*(?:好友|朋友|\bfriends?\b)", re.ASCII)


# Only one of the friends paid: "其中 1 个……另外 2 个还没买", "only one paid", "the others haven't paid yet".
_ONLY_ONE_PAID = re.compile(
    r"只有\s*(?:1|一)\s*(?:个|位|名)?|(?:另外|其他|其余|剩下)的?\s*(?:\d+|[一二两三四五六七八九十]+)?\s*(?:个|位|名)?\s*"
    r"(?:人|好友|朋友)?\s*(?:都)?(?:还)?(?:没|未)|\bonly (?:one|1)\b|\bjust (?:one|1)\b|"
    r"\b(?:the )?others? (?:\w+ )?(?:haven't|hasn't|didn't|did not|have not|has not|not yet|never)\b",
    re.ASCII,
)
_ONE_PAYER = re.compile(
    r"\s*(?:个|位|名)?\s*(?:好友|朋友|人)?\s*(?:的)?\s*(?:首单|首次|实付|付|支付|\bpaid\b|\bpays?\b)", re.ASCII
)


def _friend_counts(q: Query, money: list[Quantity]) -> frozenset[int]:
    """Counts of friends, consumed when they cannot multiply a payment: "一个好友 / two friends" matching the
    payments, "一个首单实付 45，一个实付 90" (one friend per payment), and any count of friends when the question
    says only one of them paid ("邀请了 3 个朋友，其中 1 个实付 120 元，另外 2 个还没买")."""
    counts = q.of_unit("count", "none")
    used = {c.start for c in counts if _FRIEND_AFTER.match(q.text, c.end) and c.value in (1, len(money))}
    used |= {c.start for c in counts if c.value == 1 and _ONE_PAYER.match(q.text, c.end)}
    if len(money) == 1 and _ONLY_ONE_PAID.search(q.text):
        used |= {
            c.start for c in counts if c is not money[0] and (c.unit == "count" or _FRIEND_AFTER.match(q.text, c.end))
        }
    return frozenset(used)


# The words right after a payment, up to the end of its clause: "B 实付 40 但他以前订过 Lite，C ...".
_OWN_CLAUSE_END = re.compile(r"[,，。;；!！?？\n]")


def _conditions_by_friend(q: Query, facts: Facts) -> dict[int, Explained]:
    """Each condition of the FAQ that rules a credit out, tied to the payment whose own clause states it (the words
    after the payment up to the end of its clause). Empty unless every condition is tied to one payment."""
    amounts = sorted(q.of_unit("cny", "none"), key=lambda x: x.start)
    if len(amounts) < 2:
        return {}
    tied: dict[int, Explained] = {}
    window = facts.number("payment_window_hours")
    for flag, fact, key in _CONDITIONS:
        pattern = LEXICON[flag]
        mask = MASKED_BEFORE.get(flag)
        text = mask.sub(lambda m: " " * len(m.group(0)), q.text) if mask else q.text
        for match in pattern.finditer(text):
            owner = None
            for amount in amounts:
                stop = _OWN_CLAUSE_END.search(q.text, amount.end)
                end = stop.start() if stop else len(q.text)
                if amount.end <= match.start() < end:
                    owner = amount
            if owner is None:
                return {}
            tied[owner.start] = Explained("referral_credit", msg(key, hours=window), facts.entry(fact))
    return tied


_CONDITIONS = (
    ("refunded", "condition_refund", "cond_refund"),
    ("not_new_user", "condition_new_user", "cond_not_new"),
    ("no_link", "condition_no_link", "cond_no_link"),
    ("late_payment", "condition_late_payment", "cond_late"),
)


def _ruled_out(q: Query, facts: Facts) -> Explained | frozenset[int]:
    """A condition of the FAQ that rules the credit out (refund, not a new user, paid after 72 hours), cited;
    otherwise the waiting times the question states, consumed by the 72-hour condition they meet."""
    window = facts.number("payment_window_hours")
    for flag, fact, key in (
        ("refunded", "condition_refund", "cond_refund"),
        ("not_new_user", "condition_new_user", "cond_not_new"),
        ("no_link", "condition_no_link", "cond_no_link"),
        ("late_payment", "condition_late_payment", "cond_late"),
    ):
        if q.has(flag):
            return Explained("referral_credit", msg(key, hours=window), facts.entry(fact))
    waits = q.of_unit("day", "hour")
    for wait in waits:
        hours = wait.value * 24 if wait.unit == "day" else wait.value
        if hours > window:
            return Explained("referral_credit", msg("cond_late", hours=window), facts.entry("condition_late_payment"))
    return frozenset(w.start for w in waits)


def _stated_invite_cut(q: Query) -> bool:
    """True when every 立减 / invite discount in the question comes with its own number."""
    for match in LEXICON["invite_reduction"].finditer(q.text):
        start, end = q.clause(match.start())
        if not any(start <= x.start < end and x.unit in ("percent", "cny", "none") for x in q.quantities):
            return False
    return True


__all__ = ["referral_credit"]
