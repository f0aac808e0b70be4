"""The words the calculator listens for, in Chinese and English, as named patterns.

Patterns run on :func:`.numbers.prepare`-d text (NFKC, lower case). Rules ask a :class:`.query.Query`
whether a name matched (``q.has("peak")``) and never match words themselves, so the vocabulary lives here
only. English alternatives carry ``\\b`` so that "pro" does not match "prompt".
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_RAW: Mapping[str, str] = {
    # --- models, time of day -------------------------------------------------------------------------
    "glm5": r"glm[\s_-]*5(?![\d.])",
    "offpeak": r"非高峰|非峰|低峰|闲时|平峰|off[\s-]?peak|non[\s-]?peak|outside (?:of )?(?:the )?peak|"
    r"not (?:during |at |in )?(?:the )?peak",
    "peak": r"高峰|忙时|峰时|\bpeak\b|\brush hours?\b|\bbusy hours?\b",
    "now": r"现在|此刻|当前时间|眼下|这会儿|\bnow\b|\bat the moment\b|\bcurrently\b",
    # --- what is asked -------------------------------------------------------------------------------
    "how_many": r"多少|几次|几个|几条|几回|几千|几百|几万|\bhow many\b|\bhow much\b|\bnumber of\b|"
    r"\bwhat(?:'s| is| are| will be)? (?:my|the) (?:total |referral |invite |invitation )?"
    r"(?:credit|reward|bonus|commission|rebate|cost|remaining|amount|value|quota|limit)",
    "which_time": r"几点|什么时候|什么时间|何时|哪天|哪一天|几号|哪个时间|多久|\bwhen\b|\bwhat time\b|\bwhich day\b|"
    r"\bwhat day\b|\bwhat date\b|\bby when\b|\bhow long\b",
    "cost_q": r"扣多少|扣几|扣除多少|扣掉多少|扣了多少|消耗多少|消耗几|消耗了多少|耗多少|算多少|算几|计多少|占用多少|"
    r"占多少|花多少|用掉多少|多少额度|几次额度|折合多少|相当于多少|相当于几|\bcosts?\b|\bconsumes?\b|\bdeduct\w*|"
    r"\bcount (?:as|for)\b|\bhow much quota\b|\bhow many (?:quota|units)\b|\bhow many prompts? (?:of quota|is that|"
    r"does (?:that|it) (?:cost|use|take)|will (?:that|it) (?:cost|use|take))\b|\buse up\b|\bburns?\b|\bcharged?\b",
    "remaining": r"还剩|剩余|剩下|剩多少|还有多少|还能用|还可以用|还能发|还可以发|还能调用|还可以调用|\bleft\b|"
    r"\bremaining\b|\bremain\b|\bstill (?:have|use|send|call|make)\b",
    "used": r"用了|已用|已经用|使用了|用掉|发了|调用了|消耗了|搜索了|读取了|花了|\bused\b|\bsent\b|\bmade\b|"
    r"\bconsumed\b|\bspent\b|\bdid\b|\bran\b",
    "calc_word": r"怎么算|计算|算一下|算算|\bcalculate\b|\bcompute\b|\bwork out\b",
    # --- referral credit -----------------------------------------------------------------------------
    "referral": r"赠金|返利|返现|返(?!回)|奖励|佣金|提成|\breferral\b|\bcredits?\b|\brewards?\b|\bbonus\b|"
    r"\bcommission\b|\brebate\b|\bkickback\b",
    # "how much do I get" counts as asking for the referral credit when a friend's payment is mentioned.
    "i_get": r"我(?:能|可以|会|将|可)?(?:得到|得|拿到|拿|获得|赚|收到|分到)多少|"
    r"\bhow much (?:do|will|would|can|could) i (?:get|earn|receive|make)\b|\bwhat do i get\b",
    "quota_word": r"额度|用量|上限|限额|\bquota\b|\blimits?\b|\ballowance\b",
    # How-to and why questions are for the FAQ, even when they name a plan and a quota.
    "howto": r"怎么|如何|为什么|为啥|能不能|可以吗|用完|用光|超过|超出|\bhow (?:do|can|to|does)\b|\bwhy\b|"
    r"\bwhat happens\b|\bcan i\b|\bis there\b|\brun out\b|\bexceed\w*|\bused up\b",
    "friend": r"好友|朋友|被邀请|邀请的人|\bfriends?\b|\binvitees?\b|\breferees?\b|\breferred\b",
    "invite": r"邀请|推荐|\binvit\w*|\breferr\w*",
    "invite_reduction": r"邀请立减|立减|\binvit\w* (?:discount|reduction)\b|\breferral (?:discount|reduction)\b",
    "half_price": r"半价|打对折|对折|\bhalf[\s-]price\b|\bhalf off\b|\bhalf the price\b",
    "paid": r"实际支付|实际付|实付|最终支付|最后支付|付了|支付了|付款了|交了|花了|付|支付|\bpaid\b|\bpays?\b|"
    r"\bspent\b|\bspend\b|\bbought\b|\bpurchased\b",
    # --- subscription dates --------------------------------------------------------------------------
    "cancel": r"取消|退订|关闭自动续费|关掉自动续费|停止续费|停止自动续费|\bcancel\w*|\bunsubscribe\b|"
    r"\bturn off (?:the )?auto[\s-]?renew\w*|\bstop (?:the )?auto[\s-]?renew\w*",
    "billing": r"扣费日|扣费|续费日|续费|计费日|账单日|到期|\bbilling\b|\brenew\w*|\bcharged?\b|\bpayment date\b|"
    r"\bexpir\w*",
    "deadline": r"最晚|最迟|截止|之前|以前|提前|\blatest\b|\blast day\b|\bdeadline\b|\bby when\b|\buntil\b|"
    r"\bno later than\b|\bbefore\b",
    "latest": r"最晚|最迟|截止|哪天|哪一天|几号|\blatest\b|\blast day\b|\bdeadline\b|\bby when\b|\bwhich day\b|"
    r"\bwhat date\b|\bwhat day\b",
    "pay_deadline": r"(?:最晚|最迟|截止|期限|多久|几点|什么时候|哪天|\bdeadline\b|\blatest\b|\bby when\b|"
    r"\buntil when\b|"
    r"\blast (?:day|moment|chance)\b|\bwhen\b|\bhow long\b).{0,20}(?:付款|支付|下单|购买|买|付|\bpay\w*|\bpurchas\w*|"
    r"\bbuy\b|\border\b)|(?:付款|支付|下单|购买|\bpay\w*|\bpurchas\w*|\bbuy\b|\border\b).{0,20}(?:截止|最晚|最迟|期限|"
    r"几点|什么时候|哪天|\bdeadline\b|\bby when\b|\buntil\b|\bbefore\b|\bwhen\b)",
    "credit_arrival": r"到账|发放|收到|拿到|到手|\barriv\w*|\breceive\w*|\bcredited\b|\bget\b|\bgot\b|\bshow up\b|"
    r"\bcome in\b|\bland\b",
    "support": r"客服|人工|联系|投诉|工单|\bsupport\b|\bcontact\b|\bcomplain\w*|\bticket\b",
    "ordered": r"下单|订阅|购买|开通|买的|\border\w*|\bsubscrib\w*|\bbought\b|\bpurchas\w*|\bsigned up\b",
    "refresh": r"恢复|刷新|重置|回来|可以再用|重新可用|又能用|\bcomes? back\b|\brefresh\w*|\breset\w*|\brestor\w*|"
    r"\breplenish\w*|\bavailable again\b|\brecover\w*",
    # --- plans, quotas, MCP --------------------------------------------------------------------------
    "model_calls": r"模型调用|调用[^,.;?!，。；？！]{0,6}模型|模型请求|\bmodel[\s-]calls?\b|"
    r"\bcalls? (?:to|of) the model\b|\bmodel (?:invocations?|requests?)\b",
    "monthly_value": r"价值|值多少|折算|相当于多少|api ?额度|\bworth\b|\bvalue\b|\bapi credit\b|\bequivalent\b",
    "fee": r"月费|订阅费|套餐费|费用|月付|\bfee\b|\bsubscription\b|\bcosts?\b|\bprice\b|\bmonthly\b",
    "mcp_search": r"联网搜索|网络搜索|网页搜索|\bweb[\s-]?search\w*|\bsearch mcp\b|搜索",
    "mcp_reader": r"网页读取|网页阅读|\bweb[\s-]?read\w*|\breader mcp\b|读取",
    "mcp": r"\bmcp\b",
    "vision": r"视觉理解|视觉|识图|图片理解|\bvision\b|\bimage understanding\b",
}

LEXICON: Mapping[str, re.Pattern[str]] = {name: re.compile(pattern) for name, pattern in _RAW.items()}

# Spans that name a quota window; they are blanked before reading numbers, so "5 小时" is never a count.
WINDOWS: Mapping[str, re.Pattern[str]] = {
    "5h": re.compile(r"(?<![\d.十])(?:5|五)\s*个?\s*(?:小时|钟头)|(?<![\d.])\b(?:5|five)\s*-?\s*(?:h|hrs?|hours?)\b"),
    "week": re.compile(
        r"每周|一周|本周|这周|这一周|上周|周限额|周额度|周使用|每星期|一星期|这个星期|本星期|周额|"
        r"\bper week\b|\bweekly\b|\ba week\b|\bthis week\b|\beach week\b|\bevery week\b|"
        r"(?<![\d.])7\s*天|七天|\b7 days\b|\bseven days\b"
    ),
    "month": re.compile(
        r"每月|每个月|本月|这个月|当月|这月|月度|\bper month\b|\bmonthly\b|\ba month\b|\bthis month\b|"
        r"\beach month\b|\bevery month\b|/month\b|/mo\b"
    ),
}

# Words that hold digits without being quantities: model and product names ("GLM-4.7", "gpt-4", "v4").
MODEL_NAMES = re.compile(
    r"glm[\s_-]*\d+(?:\.\d+)?(?:[\s_-]*(?:air|flash|plus|v|x)\b)?|\b(?!rmb|cny|yuan)[a-z]{2,}[-_]?\d+(?:\.\d+)*\b"
)

# Where one thought ends and the next starts: amounts are read together with the words of their clause.
CLAUSE_BREAK = re.compile(r"[,;!?\n、。；！？]|(?<!\d)\.(?!\d)|\b(?:and|then|but|so)\b|又|然后|并且|而且|之后|再")

__all__ = ["CLAUSE_BREAK", "LEXICON", "MODEL_NAMES", "WINDOWS"]
