"""The words the calculator listens for, in Chinese and English, as named patterns.

Patterns run on :func:`.numbers.prepare`-d text (NFKC, lower case). Rules ask a :class:`.query.Query`
whether a name matched (``q.has("peak")``) and never match words themselves, so the vocabulary lives here
only. English alternatives carry ``\\b`` so that "pro" does not match "prompt"; every pattern is compiled
with ``re.ASCII`` so that ``\\b`` also separates an English word from a Chinese character ("max套餐",
"5h内", "prompts扣多少"), which customers write without spaces.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

# Every currency sign but ¥ (yuan; NFKC folds ￥ into it): $, €, £, ₹, ₽, ₦, ₩, ₱, ฿...
_FOREIGN_SIGNS = "".join(
    re.escape(c) for c in map(chr, range(0x20, 0x10000)) if unicodedata.category(c) == "Sc" and c != "¥"
)
# ISO 4217 codes of currencies other than the yuan, leaving out those that are also English or tech words
# (all, top, try, cup, pen, mad, amd, php...): a customer's "try 3 times" is not Turkish lira.
_ISO_CODES = (
    "usd|eur|gbp|jpy|hkd|twd|krw|sgd|aud|cad|nzd|chf|inr|rub|ngn|idr|myr|thb|vnd|pkr|bdt|lkr|npr|aed|sar|"
    "qar|kwd|bhd|omr|ils|egp|zar|kes|ghs|brl|ars|clp|cop|mxn|uyu|sek|nok|dkk|pln|czk|huf|ron|bgn|uah|kzt|"
    "uzs|btc|eth|usdt|usdc"
)

_RAW: Mapping[str, str] = {
    # --- models, time of day -------------------------------------------------------------------------
    "glm5": r"glm[\s_-]*5(?!\d|\.\d)",  # "GLM-5." ends a sentence; "GLM-5.1" is another model
    # Another GLM model: its prompts are not multiplied.
    "glm_other": r"glm[\s_-]*4(?:\.\d+)?(?:[\s_-]*(?:air|flash|plus|x)\b)?",
    "offpeak": r"非高峰|非峰|低峰|闲时|平峰|off[\s-]?peak|non[\s-]?peak|outside (?:of )?(?:the )?peak|"
    r"not (?:during |at |in )?(?:the )?peak",
    "peak": r"高峰|忙时|峰时|\bpeak\b|\brush hours?\b|\bbusy (?:hours?|times?|period)\b",
    "now": r"现在|此刻|当前时间|眼下|这会儿|\bnow\b|\bat the moment\b|\bcurrently\b",
    # --- what is asked -------------------------------------------------------------------------------
    "how_many": r"多少|几次|几个|几条|几回|几千|几百|几万|几多|\bhow many\b|\bhow much\b|\bnumber of\b|"
    r"\bwhat(?:'s| is| are| will be)? (?:my|the) (?:total |referral |invite |invitation )?"
    r"(?:credit|reward|bonus|commission|rebate|cost|remaining|amount|value|quota|limit)",
    "which_time": r"几点|什么时候|什么时间|啥时候?|几时|何时|哪天|哪一天|几号|哪个时间|多久|\bwhen\b|\bwhat time\b|"
    r"\bwhich day\b|"
    r"\bwhat day\b|\bwhat date\b|\bby when\b|\bhow long\b",
    # A clock time asked for ("几点恢复", "what time"), not a date: the reply's value is "HH:MM".
    "asks_clock": r"几点|几时|\bwhat time\b|\bat what hour\b|\bwhich hour\b",
    "cost_q": r"扣多少|扣几|扣除多少|扣掉多少|扣了多少|消耗多少|消耗几|消耗了多少|耗多少|算多少|算几|计多少|占用多少|"
    r"占多少|花多少|用掉多少|多少额度|几次额度|折合多少|相当于多少|相当于几|花费|耗费|扣去|扣除|扣掉|抵扣多少|"
    r"\bcost(?:s|ing)?\b|\bconsum\w*|\bdeduct\w*|\beats?\b|\btakes? up\b|\bquota usage\b|"
    r"\bcount (?:as|for)\b|\bhow much quota\b|\bhow many (?:quota|units)\b|\bhow many prompts? (?:of quota|is that|"
    r"does (?:that|it) (?:cost|use|take)|will (?:that|it) (?:cost|use|take))\b|\buse up\b|\bburns?\b|\bcharged?\b",
    "remaining": r"还剩|剩余|剩下|剩多少|剩几|还有多少|还有几|还能用|还可以用|还能发|还可以发|还能调用|还可以调用|"
    r"\bleft\b|\bremain\w*|\bstill (?:have|use|send|call|make|got)\b|\bhow many more\b[^?]{0,40}\bcan (?:i|we)\b",
    "used": r"用了|已用|已经用|使用了|用掉|发了|调用了|消耗了|搜索了|读取了|花了|跑了|问了|搜了|读了|\bused\b|\bsent\b|"
    r"\bmade\b|\bconsumed\b|\bspent\b|\bdid\b|\bran\b|\bburn(?:ed|t)\b|\bwent through\b",
    "calc_word": r"怎么算|计算|算一下|算算|\bcalculate\b|\bcompute\b|\bwork out\b",
    # --- referral credit -----------------------------------------------------------------------------
    "referral": r"赠金|返利|返现|返(?!回)|奖励|佣金|提成|\breferral\b|\bcredits?\b|\brewards?\b|\bbonus\b|"
    r"\bcommission\b|\brebate\b|\bkickback\b",
    # "how much do I get" counts as asking for the referral credit when a friend's payment is mentioned.
    "i_get": r"我(?:能|可以|会|将|可)?(?:得到|得|拿到|拿|获得|赚|收到|分到|有)多少|(?:返|给|奖励)我多少|能返多少|"
    r"\bhow much (?:\w+ ){0,3}(?:do|will|would|can|could|should|did) i (?:get|earn|receive|make|be paid)\b|"
    r"\bwhat (?:do|will|would|can|could|did) i (?:get|earn|receive|make)\b|\bmy (?:cut|share)\b",
    "quota_word": r"额度|用量|上限|限额|\bquota\b|\blimits?\b|\ballowance\b",
    # How-to and why questions are for the FAQ, even when they name a plan and a quota.
    "howto": r"怎么|如何|为什么|为啥|能不能|可以吗|用完|用光|超过|超出|\bhow (?:do|can|to|does)\b|\bwhy\b|"
    r"\bwhat happens\b|\bcan i\b|\bis there\b|\brun out\b|\bexceed\w*|\bused up\b",
    "friend": r"好友|朋友|同事|同学|被邀请|邀请的人|\bfriends?\b|\bfriend's\b|\binvitees?\b|\breferees?\b|"
    r"\breferred\b|\bcolleagues?\b|\bbuddy\b",
    "invite": r"邀请|推荐|\binvit\w*|\breferr\w*",
    "invite_reduction": r"邀请立减|立减|\binvit\w* (?:discount|reduction)\b|\breferral (?:discount|reduction)\b",
    "half_price": r"半价|打对折|对折|\bhalf[\s-]price\b|\bhalf off\b|\bhalf the price\b",
    "paid": r"实际支付|实际付|实付|最终支付|最后支付|付了|支付了|付款了|交了|花了|付|支付|充值|\bpaid\b|\bpays?\b|"
    r"\bpaying\b|\bspent\b|\bspend\b|\bbought\b|\bpurchased\b",
    # The payment is what is asked ("要付多少才能拿 50 元赠金", "how much must friends pay"): the rule backwards.
    "asks_payment": r"(?:要|需要|得|应该|必须|至少)\s*(?:一共|总共|累计)?\s*(?:实际)?"
    r"(?:付|支付|消费|花|充值|实付|付款)\s*(?:多少|几)|(?:付|支付|消费|花|实付)\s*多少(?:钱|元|块)?\s*(?:才|能|可以)|"
    r"\bhow much (?:\w+ ){0,6}?(?:must|should|need|needs|have to|has to|would|do|does|did)\b(?: \w+){0,6}? "
    r"(?:pay|spend)\b",
    # --- what the FAQ's conditions rule out, and what is not computed ----------------------------------
    "foreign_currency": rf"[{_FOREIGN_SIGNS}]|美元|美金|欧元|英镑|日元|日币|港币|港元|韩元|韩币|卢比|卢布|"
    r"泰铢|泰币|比索|披索|新币|新加坡元|澳元|澳币|加元|加币|法郎|里拉|越南盾|林吉特|令吉|马币|印尼盾|新台币|台币|澳门币|迪拉姆|里亚尔|"
    r"兰特|奈拉|比特币|以太坊|\beuros?\b|\bdollars?\b|\byen\b|\brupees?\b|\bpounds?\b|\bro?ubles?\b|"
    r"\bbucks?\b|\bquid\b|\bnaira\b|\brupiah\b|\bringgits?\b|\bbaht\b|\bpesos?\b|\bliras?\b|\bfrancs?\b|\bkron(?:a|or|e|er)\b|"
    r"\bzloty\w*|\bdirhams?\b|\briyals?\b|\breais\b|\bshekels?\b|\bhryvni\w*|\bforints?\b|\bbitcoins?\b|"
    # Words that are currencies only beside an amount ("50000 won", "1500 rub", "ngn 20000").
    rf"(?<=\d)\s?(?:{_ISO_CODES}|won|dong|rand|real|taka|lei)\b|\b(?:{_ISO_CODES}|rm|rs\.?)\s?(?=\d)",
    "refunded": r"退款|退了款|退单|\brefund\w*|\bcharge ?back\b|\bmoney back\b",
    "not_new_user": r"不是新用户|非新用户|老用户|不是新订阅|之前订阅过|以前订阅过|之前买过|以前买过|已经订阅过|"
    r"(?:之前|以前|曾经|早就|已经)(?:订|买|开|用)过|续费付|续订付|\brenew(?:ed|al|ing|s)?\b|"
    r"\bhad (?:a|an|the|his|her) (?:\w+ )?(?:plan|subscription)\b|\bre-?subscrib\w*|\bex-?(?:customer|subscriber)s?\b|"
    r"\breturning (?:user|customer|subscriber)\b|\bcame back\b|\bcoming back\b|\bsecond (?:purchase|order)\b|"
    r"回归|又回来|第二次(?:购买|买|下单)|\b(?:bought|subscribed|ordered) (?:\w+ ){0,2}before\b|"
    r"\b(?:not|isn't|wasn't|is not|was not) (?:a )?new (?:user|customer|subscriber)\b|\bexisting (?:user|customer|"
    r"subscriber)\b|\balready (?:subscribed|had a (?:plan|subscription))\b|\bsubscribed before\b",
    "no_link": r"(?:没|没有|未|不是)(?:用|通过|走|点|经过)(?:我的?)?(?:专属)?(?:链接|邀请码|邀请链接)|"
    r"自己注册|直接注册|"
    r"\b(?:not|never|didn't|did not|without) (?:\w+ ){0,2}(?:through|via|using|use|with) my (?:\w+ )?(?:link|code)\b|"
    r"\bwithout my (?:\w+ )?(?:link|code)\b|\bregistered (?:directly|on (?:his|her|their) own)\b|"
    r"\bsigned up (?:directly|on (?:his|her|their) own)\b",
    # A question that asks for something other than a number ("能提现吗", "在哪里查看", "can I withdraw it?").
    "asks_other": r"在哪|哪里|哪儿|哪个|哪一个|先扣|能不能|能否|可不可以|是否|会不会|"
    r"(?:能|可以|会)[^，。？?多少几]{0,8}吗|提现|"
    r"\bwhere\b|\bwhich (?:one|is|comes|gets|pays|balance|account)\b|\bcan (?:i|it|we|he|she)\b|"
    r"\bis (?:it|there|this)\b|\bdoes (?:it|this)\b|\bwithdraw\w*|\bcash out\b",
    # A later payment than the first order (only the first order earns referral credit).
    "renewal": r"续费|续订|续期|第二年|第二个月|次年|\brenew\w*|\bsecond (?:year|month|order|payment)\b",
    "late_payment": r"超过\s*72\s*小时|超\s*72\s*小时|72\s*小时(?:以后|之后|后)|\b(?:more than|over|after) 72 hours\b",
    "difference": r"省多少|省几|省下|节省|少扣|多扣|多消耗|多用|多花|多出|多多少|少多少|多了多少|少了多少|差多少|差几|"
    r"相差|差额|差别|区别|"
    r"\bmore\b|\bdifference\b|\bextra\b|"
    r"\bless\b|\bfewer\b|\bsave\b|\bsaves\b|\bsaving\b",
    # Words that multiply a number without being one: no rule reads them, so a reply with them is asked about.
    "multiplies": r"\btwice\b|\bthrice\b|\bdouble[ds]?\b|\btriple[ds]?\b|\bapiece\b|\beach (?:paid|spent|bought)\b|"
    r"每人|每位|各付|各自|各用|两遍|三遍|翻倍|加倍",
    # Comparing two cases ("how many fewer than with GLM-4.7", "比 Lite 多多少"): only a rule that computes the
    # difference may answer it.
    "compare": r"\bthan\b|\bcompared (?:to|with)\b|\bvs\.?(?=\s)|\bversus\b|\binstead of\b|相比|对比|而不是|"
    # "比…多/少" compares; 比例 (a ratio) and 比如 (for example) do not, nor the question word 多少.
    r"比(?!例|如|率|方说)(?=[^，。？?]{0,20}(?:多(?!少)|(?<!多)少|贵|便宜|划算))",
    "total": r"一共|总共|合计|总计|加起来|\btotal\b|\baltogether\b|\bin all\b|\bcombined\b|\bsum\b",
    # --- subscription dates --------------------------------------------------------------------------
    "cancel": r"取消|退订|关闭自动续费|关掉自动续费|停止续费|停止自动续费|\bcancel\w*|\bunsubscribe\b|"
    r"\bturn off (?:the )?auto[\s-]?renew\w*|\bstop (?:the )?auto[\s-]?renew\w*",
    "billing": r"扣费日|扣费|续费日|续费|计费日|账单日|到期|\bbilling\b|\bbill(?:ed|s)?\b|\brenew\w*|\bcharged?\b|"
    r"\bpayment date\b|"
    r"\bexpir\w*",
    "deadline": r"最晚|最迟|截止|之前|以前|提前|\blatest\b|\blast day\b|\bdeadline\b|\bby when\b|\buntil\b|"
    r"\bno later than\b|\bbefore\b",
    "latest": r"最晚|最迟|截止|哪天|哪一天|几号|\blatest\b|\blast day\b|\bdeadline\b|\bby when\b|\bwhich day\b|"
    r"\bwhat date\b|\bwhat day\b",
    "pay_deadline": r"(?:最晚|最迟|截止|期限|多久|几点|什么时候|哪天|\bdeadline\b|\blatest\b|\bby when\b|"
    r"\buntil when\b|啥时候?|几时|"
    r"\blast (?:day|moment|chance)\b|\bwhen\b|\bhow long\b).{0,20}(?:付款|支付|下单|购买|买|付|\bpay\w*|\bpurchas\w*|"
    r"\bbuy\b|\border\b)|(?:付款|支付|下单|购买|\bpay\w*|\bpurchas\w*|\bbuy\b|\border\b).{0,20}(?:截止|最晚|最迟|期限|"
    r"几点|什么时候|啥时候?|几时|哪天|\bdeadline\b|\bby when\b|\buntil\b|\bbefore\b|\bwhen\b)",
    "credit_arrival": r"到账|发放|收到|拿到|到手|\barriv\w*|\breceive\w*|\bcredited\b|\bget\b|\bgot\b|\bshow up\b|"
    r"\bcome in\b|\bland\b",
    "support": r"客服|人工|联系|投诉|工单|\bsupport\b|\bcontact\b|\bcomplain\w*|\bticket\b",
    "ordered": r"下单|下的单|下了单|订阅|购买|开通|买的|买了|\border\w*|\bsubscrib\w*|\bbought\b|\bpurchas\w*|"
    r"\bsigned up\b",
    # An event spoken of as done (for a date written without a year: the last such date, not the next).
    "done": r"下的单|下单了|下了单|买的|买了|订阅了|开通了|点了|注册了|付了|支付了|付的|进入了|已经|之前|\bordered\b|"
    r"\bbought\b|\bsubscribed\b|\bpurchased\b|\bplaced\b|\bsigned up\b|\bstarted\b|\bjoined\b|\bclicked\b|"
    r"\bregistered\b|\bpaid\b|\bvisited\b",
    "refresh": r"恢复|刷新|重置|回来|回满|可以再用|重新可用|又能用|\bcomes? back\b|\brefresh\w*|\breset\w*|\brestor\w*|"
    r"\breplenish\w*|\bavailable again\b|\brecover\w*|\b(?:is|be|it|it's|quota) back\b|\brefill\w*",
    # Reaching the 5-hour limit at a time: with a rolling window that time says nothing about when quota returns.
    "hit_limit": r"达到上限|到达上限|到了上限|触发上限|触发限额|触顶|额度耗尽|超限|限额满|额度满了|"
    r"\b(?:hit|hitting|reached|reach|reaching|maxed out|exhausted|hit up against) (?:my |the |our )?"
    r"(?:\w+[\s-]?){0,2}(?:limit|cap|quota)\b|\bran out\b|\brun out of\b|\bmaxed out\b|\brate[\s-]limited\b",
    # "returns" means "comes back" only when said of quota ("quota used at 11am returns at what time").
    "returns": r"\breturn(?:s|ed)?\b|返还|归还",
    # --- plans, quotas, MCP --------------------------------------------------------------------------
    "model_calls": r"模型调用|调用[^,.;?!，。；？！]{0,6}模型|模型请求|模型.{0,2}被调用|\bmodel[\s-]calls?\b|"
    r"\bcalls? (?:to|of) the model\b|\bmodel (?:invocations?|requests?|api calls?)\b|"
    r"\bcall(?:s|ing)? (?:the |a )?models?\b|\bmodels? (?:be |is |are |gets? )?called\b",
    "monthly_value": r"价值|值多少|折算|相当于多少|api ?额度|\bworth\b|\bvalue\b|\bapi credit\b|\bequivalent\b",
    "fee": r"月费|订阅费|套餐费|费用|月付|\bfee\b|\bsubscription\b|\bcosts?\b|\bprice\b|\bmonthly\b",
    "mcp_search": r"联网搜索|网络搜索|网页搜索|\bweb[\s-]?search\w*|\bsearch mcp\b|搜索",
    "mcp_reader": r"网页读取|网页阅读|\bweb[\s-]?read\w*|\breader mcp\b|读取",
    "mcp": r"\bmcp\b",
    "vision": r"视觉理解|视觉|识图|图片理解|\bvision\b|\bimage understanding\b",
    # "几倍" asks for the GLM-5 multiplier itself, which the FAQ states: a lookup, not a cost.
    "asks_multiplier": r"几倍|多少倍|倍率|倍数|\bwhat multiplier\b|\bmultipliers?\b|"
    r"\bhow many times (?:more|as much)\b",
    # "GLM-5 一个 prompt 多少钱" asks for a price in money, which no rule computes.
    # Whether something done now is still in time ("现在取消还来得及吗", "is it too late to cancel?").
    "in_time": r"来得及|来不及|赶得上|赶不上|能避免|可以避免|避免(?:这次|本次|下次)|\bin time\b|\btoo late\b|"
    r"\bcan i still\b|\bstill (?:avoid|cancel|stop)\b",
    # A day asked for, not a moment: the value is then a date ("哪天重置", "which day").
    "asks_day": r"哪天|哪一天|几号|几月几[号日]|什么日期|哪个日期|\bwhich (?:day|date)\b|\bwhat (?:day|date)\b|"
    r"\bon what (?:day|date)\b",
    # What no rule computes, whatever numbers the question holds: tax, and other products' plans.
    "not_computed": r"税|\btax\w*|\bvat\b|\bclaude (?:pro|max|team)\b|\bchatgpt\b|\bcursor (?:pro|business)\b|"
    r"\bcopilot\b|\bgemini (?:pro|advanced)\b|\bkimi\b|\bdeepseek\b|\bqwen\b|"
    # the rules after a change the FAQ does not state ("after the promotion ends", "活动结束后", "以后还是")
    r"\bafter (?:the |this )?(?:current )?(?:\w+ ){0,2}(?:promotion|promo|campaign|offer) (?:ends|is over|expires)\b|"
    r"\bwill (?:the )?(?:\w+ ){0,2}(?:multiplier|price|quota) be\b|(?:活动|优惠|促销)期?(?:结束|过)了?(?:以后|之后|后)|"
    r"以后还(?:是|会)|将来",
    # A friend who may have subscribed before ("had an account before", "之前注册过"): whether the invite
    # counts depends on it (new plan users only), so it is asked, never assumed.
    "maybe_returning": r"注册过|有过账号|老账号|\bhad an account\b|\bhas had an account\b|\bold account\b",
    "asks_money": r"多少钱|几块钱|几元|多少元|价格|价钱|售价|\bprice\b|\bhow much money\b|"
    r"\bin (?:yuan|rmb|cny|usd|dollars)\b|\bhow many (?:yuan|dollars)\b",
}

LEXICON: Mapping[str, re.Pattern[str]] = {name: re.compile(pattern, re.ASCII) for name, pattern in _RAW.items()}

# "How much do I get when my friend pays ¥59?": this "when" starts a condition, it does not ask for a time.
# Masked before the time-asking patterns are matched.
CONDITIONAL_WHEN = re.compile(
    r"\bwhen(?=\s+(?:my|your|his|her|their|our|a|an|the|someone|somebody|he|she|they|i|we|you)\b)|"
    r"\bwhenever\b",
    re.ASCII,
)
# "没退款", "no refunds", "都是新用户也都没退款": a refund said not to have happened is no refund.
NEGATED_REFUND = re.compile(
    r"(?:没|没有|未|无|并未|并没有|不会|不)\s*(?:申请|发生|办理|要求)?\s*(?:过)?\s*"
    r"(?:退款|退单|退钱|refund\w*|charge ?back)|"
    r"\b(?:none|nobody|no one|neither)(?: of (?:them|us|those))? (?:(?:was|were|has|have|had|got) )?(?:been )?"
    r"refunded\b|\bno refunds?\b|\b(?:not|never|wasn't|weren't|isn't|aren't|was not|were not) (?:been )?refunded\b|"
    r"\b(?:didn't|did not|never|won't|will not) (?:ask for (?:a )?|request (?:a )?|get (?:a )?)?refunds?\b|"
    r"\bwithout (?:a |any )?refunds?\b|\bno chargebacks?\b",
    re.ASCII,
)
MASKED_BEFORE: Mapping[str, re.Pattern[str]] = {
    "which_time": CONDITIONAL_WHEN,
    "pay_deadline": CONDITIONAL_WHEN,
    "refunded": NEGATED_REFUND,
}

# Spans that name a quota window; they are blanked before reading numbers, so "5 小时" is never a count.
WINDOWS: Mapping[str, re.Pattern[str]] = {
    "5h": re.compile(
        r"(?<![\d.十])(?:5|五)\s*个?\s*(?:小时|钟头|钟)|(?<![\d.])\b(?:5|five)\s*-?\s*(?:h|hrs?|hours?)\b", re.ASCII
    ),
    "week": re.compile(
        r"每周|一周|本周|这周|这一周|上周|周限额|周额度|周使用|每星期|一星期|这个星期|本星期|周额|"
        r"\bper week\b|\bweekly\b|\ba week\b|\bthis week\b|\beach week\b|\bevery week\b|"
        # "按7天一个周期" restates the period: its "一个" is part of the window, not a count
        r"(?:(?<![\d.])7\s*天|七天)(?:\s*(?:为|是)?\s*一\s*个\s*周期)?|\b7 days\b|\bseven days\b|\bper wk\b|/week\b|"
        r"/wk\b",
        re.ASCII,
    ),
    "month": re.compile(
        r"每月|每个月|一个月|本月|这个月|当月|这月|月度|\bone month\b|\bper month\b|\bmonthly\b|\ba month\b|"
        r"\bthis month\b|\beach month\b|\bevery month\b|/month\b|/mo\b",
        re.ASCII,
    ),
}

# Words that hold digits without being quantities: model and product names ("GLM-4.7", "gpt-4", "v4").
MODEL_NAMES = re.compile(
    r"glm[\s_-]*\d+(?:\.\d+)?(?:[\s_-]*(?:air|flash|plus|v|x)\b)?|"
    # "rmb100" is money and "max5小时" a plan before a window: only other letters+digits name a product.
    r"\b(?!(?:rmb|cny|yuan|lite|pro|max)[-_]?\d)[a-z]{2,}[-_]?\d+(?:\.\d+)*\b",
    re.ASCII,
)

# Where one thought ends and the next starts: amounts are read together with the words of their clause.
CLAUSE_BREAK = re.compile(
    r"[,;!?\n、。；！？]|(?<!\d)\.(?!\d)|\b(?:and|then|but|so|plus)\b|又|然后|并且|而且|之后|再", re.ASCII
)


def name_pattern(names: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern for a list of names, longest first; an ASCII name matches only as a whole word."""
    parts = []
    for name in sorted(names, key=len, reverse=True):
        escaped = re.escape(name)
        parts.append(rf"\b{escaped}\b" if name.isascii() else escaped)
    return re.compile("|".join(parts), re.ASCII)


__all__ = ["CLAUSE_BREAK", "CONDITIONAL_WHEN", "LEXICON", "MASKED_BEFORE", "MODEL_NAMES", "WINDOWS", "name_pattern"]
