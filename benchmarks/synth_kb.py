"""Generate synthetic FAQ knowledge bases (1k, 10k, 100k entries…) for the scale benchmarks.

    .venv/bin/python benchmarks/synth_kb.py --entries 10000 --out data/bench/synth-10k [--queries 300]

Writes ``OUT/kb/synthetic-NNN.md`` (the same markdown Q/A format as ``kb/glm-coding-plan-faq.md``:
``## section`` headings, bold ``Q：`` paragraphs, bold ``A：`` answers, ``***`` separators) and
``OUT/queries.jsonl``: questions with a known answer (``{"q", "faq": [gold question], "kind"}``).

Why not copies of one entry: every entry is a distinct *frame* (intent × product × object ×
qualifier: 14 × 70 × 60 × 13 ≈ 760k combinations), realised in Chinese or English with one of
several surface templates, and an answer built from intent-specific sentences, policy
sentences with random figures, numbered steps, and sometimes a table, a code block or a link.
Entry ``i`` depends only on ``(seed, i)``, so the 1k KB is a prefix of the 10k KB, which is a
prefix of the 100k KB (handy to compare sizes, and the embedding cache could be shared).

Queries with known answers are made from a random sample of entries, never verbatim:

* ``paraphrase``: another surface template of the same intent, same language;
* ``typo``: the paraphrase with characters dropped/swapped and punctuation stripped;
* ``crosslingual``: the frame realised in the other language (English question, Chinese entry…);
* ``keywords``: the bare keywords, like a search box query.

Entries are never written into ``kb/``.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.parsing import entry_id  # noqa: E402

ENTRIES_PER_FILE = 2_000  # many files like a real help centre, and far below the parser's 20 MB file limit

# (zh, en) pairs. Products and objects are deliberately varied: SaaS, telecom, banking, travel, retail, health.
PRODUCTS: list[tuple[str, str]] = [
    ("云存储", "cloud storage"),
    ("企业邮箱", "business email"),
    ("视频会议", "video conferencing"),
    ("在线文档", "online docs"),
    ("代码托管", "code hosting"),
    ("支付网关", "payment gateway"),
    ("短信服务", "SMS service"),
    ("会员卡", "membership card"),
    ("信用卡", "credit card"),
    ("储蓄账户", "savings account"),
    ("手机套餐", "mobile plan"),
    ("家庭宽带", "home broadband"),
    ("智能音箱", "smart speaker"),
    ("无线路由器", "wireless router"),
    ("激光打印机", "laser printer"),
    ("外卖订单", "food delivery order"),
    ("机票", "flight ticket"),
    ("酒店预订", "hotel booking"),
    ("快递包裹", "parcel"),
    ("健身房会员", "gym membership"),
    ("在线课程", "online course"),
    ("电子发票", "e-invoice"),
    ("数据库实例", "database instance"),
    ("对象存储桶", "object storage bucket"),
    ("负载均衡", "load balancer"),
    ("域名", "domain name"),
    ("SSL 证书", "SSL certificate"),
    ("CDN 加速", "CDN"),
    ("容器镜像仓库", "container registry"),
    ("API 密钥", "API key"),
    ("机器学习平台", "ML platform"),
    ("客服工单", "support ticket"),
    ("积分商城", "rewards store"),
    ("优惠券", "coupon"),
    ("礼品卡", "gift card"),
    ("汽车贷款", "car loan"),
    ("房屋保险", "home insurance"),
    ("充电桩", "EV charger"),
    ("共享单车", "bike sharing"),
    ("音乐会员", "music subscription"),
    ("云游戏", "cloud gaming"),
    ("智能手表", "smartwatch"),
    ("监控摄像头", "security camera"),
    ("电子病历", "health record"),
    ("在线问诊", "online consultation"),
    ("图书馆借阅", "library loan"),
    ("停车月卡", "monthly parking pass"),
    ("水电缴费", "utility payment"),
    ("社保卡", "social security card"),
    ("电子护照", "e-passport"),
    ("签证申请", "visa application"),
    ("网盘同步", "drive sync"),
    ("项目看板", "project board"),
    ("工资单", "payslip"),
    ("报销系统", "expense system"),
    ("门禁卡", "access card"),
    ("电子合同", "e-contract"),
    ("直播间", "live stream room"),
    ("小程序", "mini program"),
    ("翻译 API", "translation API"),
    ("语音助手", "voice assistant"),
    ("网约车", "ride hailing"),
    ("火车票", "train ticket"),
    ("理财产品", "wealth product"),
    ("基金定投", "fund auto-invest"),
    ("股票账户", "brokerage account"),
    ("宠物保险", "pet insurance"),
    ("家政服务", "home cleaning service"),
    ("二手交易", "second-hand marketplace"),
    ("团购", "group buy"),
]
OBJECTS: list[tuple[str, str]] = [
    ("登录密码", "login password"),
    ("绑定手机号", "linked phone number"),
    ("自动续费", "auto-renewal"),
    ("退款", "refund"),
    ("发票抬头", "invoice title"),
    ("使用额度", "usage quota"),
    ("到期时间", "expiry date"),
    ("账单地址", "billing address"),
    ("双重验证", "two-factor authentication"),
    ("通知设置", "notifications"),
    ("数据导出", "data export"),
    ("子账号", "sub-accounts"),
    ("访问权限", "access permissions"),
    ("存储空间", "storage space"),
    ("套餐等级", "plan tier"),
    ("付款方式", "payment method"),
    ("收货地址", "delivery address"),
    ("界面语言", "display language"),
    ("隐私设置", "privacy settings"),
    ("自动备份", "automatic backup"),
    ("操作日志", "audit log"),
    ("回调地址", "callback URL"),
    ("调用频率限制", "rate limit"),
    ("IP 白名单", "IP allowlist"),
    ("时区", "time zone"),
    ("头像", "profile photo"),
    ("昵称", "display name"),
    ("积分余额", "points balance"),
    ("押金", "deposit"),
    ("违约金", "cancellation fee"),
    ("保修期", "warranty"),
    ("固件版本", "firmware version"),
    ("带宽上限", "bandwidth cap"),
    ("并发连接数", "concurrent connections"),
    ("预约时间", "appointment time"),
    ("座位", "seat"),
    ("行李额度", "baggage allowance"),
    ("会员等级", "membership level"),
    ("实名认证", "identity verification"),
    ("紧急联系人", "emergency contact"),
    ("开票信息", "billing details"),
    ("账户注销", "account deletion"),
    ("设备数量", "number of devices"),
    ("共享成员", "shared members"),
    ("消费记录", "purchase history"),
    ("信用额度", "credit limit"),
    ("利率", "interest rate"),
    ("分期付款", "installments"),
    ("优惠码", "promo code"),
    ("配送时间", "delivery time"),
    ("安全问题", "security questions"),
    ("登录设备", "signed-in devices"),
    ("数据保留期", "data retention"),
    ("加密方式", "encryption"),
    ("域名解析", "DNS records"),
    ("证书续期", "certificate renewal"),
    ("告警规则", "alert rules"),
    ("快照", "snapshots"),
    ("网络延迟", "network latency"),
    ("流量包", "data pack"),
]
QUALIFIERS: list[tuple[str, str]] = [
    ("", ""),
    ("在 iOS 上", "on iOS"),
    ("在安卓手机上", "on Android"),
    ("在网页版", "on the web app"),
    ("在 Windows 客户端", "in the Windows app"),
    ("在 macOS 上", "on macOS"),
    ("对企业版用户", "for Enterprise users"),
    ("对免费版用户", "for free-tier users"),
    ("对海外用户", "for users outside China"),
    ("在香港地区", "in Hong Kong"),
    ("在小程序里", "in the mini program"),
    ("对学生用户", "for students"),
    ("在试用期内", "during the free trial"),
]

# intent -> (zh templates, en templates). {p} product, {o} object, {q} qualifier (may be empty).
INTENTS: dict[str, tuple[list[str], list[str]]] = {
    "change": (
        ["{q}如何修改{p}的{o}？", "{q}{p}的{o}怎么改？", "{q}在哪里更改{p}的{o}", "{q}想换一下{p}的{o}，怎么操作？"],
        [
            "How do I change the {o} of my {p} {q}?",
            "Where can I update my {p} {o} {q}?",
            "Can I edit the {o} on my {p} {q}?",
            "{q}, what are the steps to modify the {p} {o}?",
        ],
    ),
    "fail": (
        ["{q}为什么{p}的{o}设置失败？", "{q}{p}的{o}一直报错怎么办？", "{q}{p}{o}改不了是什么原因"],
        [
            "Why does setting the {o} of my {p} fail {q}?",
            "My {p} {o} keeps showing an error {q}, what now?",
            "{q}, the {o} of the {p} cannot be saved. Why?",
        ],
    ),
    "fee": (
        ["{q}{p}的{o}收费吗？", "{q}使用{p}的{o}要额外付钱吗", "{q}{p}的{o}怎么计费？"],
        [
            "Is there a fee for the {o} of {p} {q}?",
            "Do I pay extra for {p} {o} {q}?",
            "How is the {o} of {p} billed {q}?",
        ],
    ),
    "limit": (
        ["{q}{p}的{o}有上限吗？", "{q}{p}的{o}最多能设置多少", "{q}{p}{o}的限制是什么"],
        [
            "Is there a limit on the {o} for {p} {q}?",
            "What is the maximum {o} of a {p} {q}?",
            "{q}, how far can the {p} {o} go?",
        ],
    ),
    "delay": (
        ["{q}修改{p}的{o}后多久生效？", "{q}{p}的{o}改了为什么还没生效", "{q}{p}{o}的变更需要等多久"],
        [
            "How long does a change to the {p} {o} take to apply {q}?",
            "I changed the {o} of my {p} {q} but nothing happened yet. How long?",
            "When does a new {p} {o} take effect {q}?",
        ],
    ),
    "disable": (
        ["{q}怎么关闭{p}的{o}？", "{q}不想要{p}的{o}了，如何取消", "{q}{p}的{o}能停用吗"],
        [
            "How do I turn off the {o} for {p} {q}?",
            "Can I disable my {p} {o} {q}?",
            "{q}, I no longer want the {p} {o}. How do I cancel it?",
        ],
    ),
    "view": (
        ["{q}在哪里查看{p}的{o}？", "{q}{p}的{o}在哪看", "{q}怎样查询{p}当前的{o}"],
        [
            "Where can I see the {o} of my {p} {q}?",
            "How do I check the current {p} {o} {q}?",
            "{q}, which page shows the {o} of the {p}?",
        ],
    ),
    "transfer": (
        ["{q}{p}的{o}可以转给别人吗？", "{q}能把{p}的{o}转让给家人吗", "{q}{p}{o}支持过户吗"],
        [
            "Can I transfer the {o} of my {p} to someone else {q}?",
            "Is the {p} {o} transferable {q}?",
            "{q}, may I hand over my {p} {o} to a family member?",
        ],
    ),
    "forgot": (
        ["{q}忘记了{p}的{o}怎么办？", "{q}{p}的{o}想不起来了", "{q}找回{p}的{o}的方法"],
        [
            "I forgot the {o} of my {p} {q}. What should I do?",
            "How can I recover my {p} {o} {q}?",
            "{q}, I lost track of my {p} {o}. Any way back?",
        ],
    ),
    "restore": (
        ["{q}误删了{p}的{o}还能恢复吗？", "{q}{p}的{o}被删除后可以找回吗", "{q}{p}{o}删错了怎么恢复"],
        [
            "Can a deleted {p} {o} be restored {q}?",
            "I deleted the {o} of my {p} by mistake {q}. Can I get it back?",
            "{q}, is there an undo for removing the {p} {o}?",
        ],
    ),
    "notify": (
        ["{q}{p}的{o}变更后会通知我吗？", "{q}{p}的{o}变了有没有提醒", "{q}{p}{o}有变动时怎么收到通知"],
        [
            "Will I be notified when the {o} of my {p} changes {q}?",
            "Do I get an alert for {p} {o} changes {q}?",
            "{q}, how am I told about updates to the {p} {o}?",
        ],
    ),
    "bulk": (
        ["{q}如何批量管理{p}的{o}？", "{q}{p}的{o}能一次改很多个吗", "{q}有没有批量设置{p}{o}的办法"],
        [
            "How do I manage the {o} of many {p} accounts at once {q}?",
            "Is there a bulk edit for {p} {o} {q}?",
            "{q}, can I update the {p} {o} for the whole team in one go?",
        ],
    ),
    "api": (
        ["{q}能通过 API 设置{p}的{o}吗？", "{q}{p}的{o}有接口可以调用吗", "{q}用代码修改{p}{o}的方法"],
        [
            "Can I set the {o} of {p} through the API {q}?",
            "Is there an API endpoint for the {p} {o} {q}?",
            "{q}, how do I change the {p} {o} programmatically?",
        ],
    ),
    "compare": (
        ["{q}{p}的{o}各个套餐有什么区别？", "{q}不同版本的{p}{o}一样吗", "{q}{p}的{o}高级版和基础版差在哪"],
        [
            "What is the difference in {o} between {p} plans {q}?",
            "Is the {p} {o} the same on every plan {q}?",
            "{q}, how does the {o} compare across {p} tiers?",
        ],
    ),
}

STEPS_ZH = [
    "登录{p}控制台",
    "进入「设置」页面",
    "选择「{o}」",
    "点击「编辑」",
    "填写新的信息并保存",
    "完成短信验证",
    "在弹窗中确认",
    "刷新页面查看结果",
    "联系客户经理开通权限",
    "下载并安装最新版客户端",
]
STEPS_EN = [
    "Sign in to the {p} console",
    "Open Settings",
    "Choose {o}",
    "Click Edit",
    "Enter the new value and save",
    "Confirm with the SMS code",
    "Confirm in the dialog",
    "Reload the page to check",
    "Ask your account manager",
    "Install the latest app version",
]
POLICY_ZH = [
    "该操作每 {n} 天最多可进行 {m} 次。",
    "费用为每月 {price} 元，按自然月结算。",
    "变更通常在 {n} 分钟内生效，高峰期可能延迟至 {m} 小时。",
    "如超过 {n} 次仍失败，系统将锁定账户 {m} 小时。",
    "企业版用户可享受 {pct}% 的折扣。",
    "历史数据保留 {n} 天，到期后自动清除。",
    "客服热线 400-{tel} 每天 9:00-21:00 提供服务。",
    "退款将在 {n} 个工作日内原路退回。",
    "单个账户最多支持 {m} 台设备同时在线。",
    "免费额度为每月 {n} 次，超出部分按 {price} 元/千次计费。",
    "请确保网络畅通，并关闭代理后重试。",
    "该功能目前处于公测阶段，可能随时调整。",
]
POLICY_EN = [
    "You can do this at most {m} times every {n} days.",
    "It costs {price} USD per month, billed per calendar month.",
    "Changes usually apply within {n} minutes; at peak times it can take up to {m} hours.",
    "After {n} failed attempts the account is locked for {m} hours.",
    "Enterprise customers get a {pct}% discount.",
    "History is kept for {n} days and then deleted automatically.",
    "Refunds reach the original payment method within {n} business days.",
    "One account can have at most {m} devices signed in at once.",
    "The first {n} calls each month are free; after that it is {price} USD per thousand calls.",
    "Make sure the network is stable, turn off any proxy and try again.",
    "This feature is in public beta and may change.",
    "Support is available 24/7 at support@example.com.",
]
ANSWER_ZH = {
    "change": "可以在{p}的设置中修改{o}。",
    "fail": "{o}设置失败通常是因为信息格式不正确或验证码已过期。",
    "fee": "{p}的{o}在基础套餐内免费，高级功能按量计费。",
    "limit": "{p}的{o}有上限，具体取决于您的套餐。",
    "delay": "{o}修改后一般会很快生效，但缓存刷新需要一段时间。",
    "disable": "您可以随时关闭{p}的{o}，关闭后不影响已有数据。",
    "view": "{p}的{o}可以在个人中心查看。",
    "transfer": "出于安全考虑，{p}的{o}默认不支持转让，特殊情况请联系客服。",
    "forgot": "忘记{o}时，可以通过绑定的手机或邮箱重置。",
    "restore": "删除的{o}会在回收站保留一段时间，期间可以恢复。",
    "notify": "{o}发生变更时，系统会通过短信和站内信通知您。",
    "bulk": "管理员可以在企业后台批量管理{o}。",
    "api": "{p}提供开放接口，可以通过 API 读取和修改{o}。",
    "compare": "各套餐的{o}不同，高级套餐提供更高的上限和更多选项。",
}
ANSWER_EN = {
    "change": "You can change the {o} in the {p} settings.",
    "fail": "Setting the {o} usually fails because of a wrong format or an expired code.",
    "fee": "The {o} is free on the basic {p} plan; advanced features are billed by usage.",
    "limit": "The {o} of {p} is capped, depending on your plan.",
    "delay": "A new {o} applies quickly, but caches take a while to refresh.",
    "disable": "You can turn off the {p} {o} at any time; existing data is kept.",
    "view": "The {p} {o} is shown in your account centre.",
    "transfer": "For security the {p} {o} cannot be transferred by default; contact support for exceptions.",
    "forgot": "If you forgot the {o}, reset it from your linked phone or email.",
    "restore": "A deleted {o} stays in the recycle bin for a while and can be restored from there.",
    "notify": "We notify you by SMS and in-app message when the {o} changes.",
    "bulk": "Admins can manage the {o} in bulk from the organisation console.",
    "api": "{p} has an open API to read and update the {o}.",
    "compare": "Each plan has a different {o}; higher tiers give higher limits.",
}
SECTIONS_ZH = ["一、账户与安全", "二、计费与发票", "三、使用与限制", "四、故障排查", "五、企业与团队", "六、开发者"]
SECTIONS_EN = [
    "1. Account and security",
    "2. Billing and invoices",
    "3. Usage and limits",
    "4. Troubleshooting",
    "5. Enterprise and teams",
    "6. Developers",
]


@dataclass(frozen=True)
class Frame:
    """What an entry is about; realised as text in either language."""

    intent: str
    product: int
    obj: int
    qualifier: int
    zh: bool  # the language the KB entry is written in


@dataclass(frozen=True)
class SynthEntry:
    frame: Frame
    section: str
    question: str
    answer: str


def _frames(seed: int) -> Iterator[Frame]:
    """All frames in a seeded random order (each frame once, so no two entries mean the same)."""
    rng = random.Random(seed)
    intents = sorted(INTENTS)
    n_p, n_o, n_q = len(PRODUCTS), len(OBJECTS), len(QUALIFIERS)
    total = len(intents) * n_p * n_o * n_q
    # A random permutation of all combinations via an affine map modulo a prime-free walk:
    # sample indices without materialising the ~3.8M combinations.
    seen: set[int] = set()
    while len(seen) < total:
        k = rng.randrange(total)
        if k in seen:
            continue
        seen.add(k)
        k_int, rest = divmod(k, n_p * n_o * n_q)
        k_p, rest = divmod(rest, n_o * n_q)
        k_o, k_q = divmod(rest, n_q)
        yield Frame(intents[k_int], k_p, k_o, k_q, zh=rng.random() < 0.55)


def realise(frame: Frame, zh: bool, template: int) -> str:
    """The question of ``frame`` in one language with one surface template."""
    templates = INTENTS[frame.intent][0 if zh else 1]
    text = templates[template % len(templates)]
    p = PRODUCTS[frame.product][0 if zh else 1]
    o = OBJECTS[frame.obj][0 if zh else 1]
    q = QUALIFIERS[frame.qualifier][0 if zh else 1]
    if zh:
        text = text.replace("{q}", f"{q}，" if q else "")
    else:
        text = text.replace(" {q}", f" {q}" if q else "").replace("{q}, ", f"{q[:1].upper()}{q[1:]}, " if q else "")
        text = text[:1].upper() + text[1:]
    return text.replace("{p}", p).replace("{o}", o)


def _answer(frame: Frame, rng: random.Random) -> str:
    zh = frame.zh
    p = PRODUCTS[frame.product][0 if zh else 1]
    o = OBJECTS[frame.obj][0 if zh else 1]
    q = QUALIFIERS[frame.qualifier][0 if zh else 1]
    lead = (ANSWER_ZH if zh else ANSWER_EN)[frame.intent].format(p=p, o=o)
    if q:
        lead = f"{q}，{lead}" if zh else f"{q[:1].upper()}{q[1:]}: {lead}"
    figures = {
        "n": rng.choice([1, 2, 3, 5, 7, 10, 14, 15, 30, 60, 90, 180]),
        "m": rng.choice([2, 3, 4, 5, 6, 8, 10, 12, 24, 48]),
        "price": rng.choice([9.9, 19, 29, 49, 99, 199, 0.5, 1.2]),
        "pct": rng.choice([5, 10, 15, 20, 30]),
        "tel": rng.randrange(100, 999),
    }
    policies = [s.format(**figures) for s in rng.sample(POLICY_ZH if zh else POLICY_EN, rng.randint(1, 3))]
    label = "**A：** " if zh else "**A:** "
    parts = [f"{label}{lead}{''.join(policies) if zh else ' ' + ' '.join(policies)}"]
    shape = rng.random()
    if shape < 0.45:
        steps = rng.sample(STEPS_ZH if zh else STEPS_EN, rng.randint(2, 4))
        parts.append("\n".join(f"{i}. {s.format(p=p, o=o)}" for i, s in enumerate(steps, 1)))
    elif shape < 0.55:
        head = "| 套餐 | 上限 |\n| --- | --- |" if zh else "| Plan | Limit |\n| --- | --- |"
        rows = [f"| {name} | {figures['m'] * k} |" for k, name in enumerate(("Lite", "Pro", "Max"), 1)]
        parts.append("\n".join([head, *rows]))
    elif shape < 0.62:
        slug = PRODUCTS[frame.product][1].replace(" ", "-").lower()
        parts.append(
            f"```\ncurl -X PATCH https://api.example.com/v1/{slug}/settings -d '{{\"value\": {figures['n']}}}'\n```"
        )
    elif shape < 0.72:
        label = "帮助中心" if zh else "help centre"
        parts.append(f"{'详见' if zh else 'See the'} [{label}](https://help.example.com/{frame.intent}/{frame.obj}).")
    return "\n\n".join(parts)


def generate(n: int, seed: int = 7) -> list[SynthEntry]:
    """The first ``n`` entries of the seeded sequence (entry ``i`` is the same for every ``n``)."""
    entries: list[SynthEntry] = []
    ids: set[str] = set()
    for frame in _frames(seed):
        if len(entries) >= n:
            break
        rng = random.Random(f"{seed}:{frame}")
        question = realise(frame, frame.zh, rng.randrange(4))
        # entry ids are a 32-bit hash of the question: at 100k entries a collision is likely, and the
        # parser reports it as "the same question twice", so colliding frames are skipped (see RESULTS.md).
        eid = entry_id(question)
        if eid in ids:
            continue
        ids.add(eid)
        section = (SECTIONS_ZH if frame.zh else SECTIONS_EN)[len(entries) % len(SECTIONS_ZH)]
        entries.append(SynthEntry(frame, section, question, _answer(frame, rng)))
    return entries


def write_kb(entries: list[SynthEntry], kb_dir: Path) -> list[Path]:
    """Write the entries as FAQ markdown, ``ENTRIES_PER_FILE`` per file, grouped by section."""
    kb_dir.mkdir(parents=True, exist_ok=True)
    for old in kb_dir.glob("synthetic-*.md"):
        old.unlink()
    paths: list[Path] = []
    for f, start in enumerate(range(0, len(entries), ENTRIES_PER_FILE)):
        chunk = entries[start : start + ENTRIES_PER_FILE]
        lines = [f"# 合成常见问题 Synthetic FAQ {f + 1}", ""]
        for section in dict.fromkeys(e.section for e in chunk):
            lines += [f"## {section}", ""]
            for e in chunk:
                if e.section == section:
                    colon = "：" if e.frame.zh else ": "
                    lines += [f"**Q{colon}{e.question}**", "", e.answer, "", "***", ""]
        path = kb_dir / f"synthetic-{f:03d}.md"
        path.write_text("\n".join(lines), encoding="utf-8")
        paths.append(path)
    return paths


def _typo(text: str, rng: random.Random) -> str:
    """Drop or swap a couple of characters and strip punctuation, like a hurried customer."""
    chars = [c for c in text if c not in "？?，,。.!！「」"]
    for _ in range(2):
        if len(chars) < 6:
            break
        i = rng.randrange(1, len(chars) - 2)
        if rng.random() < 0.5:
            del chars[i]
        else:
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
    return "".join(chars).strip()


def _keywords(frame: Frame, zh: bool) -> str:
    p = PRODUCTS[frame.product][0 if zh else 1]
    o = OBJECTS[frame.obj][0 if zh else 1]
    q = QUALIFIERS[frame.qualifier][0 if zh else 1]
    verb = {
        "zh": {
            "change": "修改",
            "fail": "失败",
            "fee": "收费",
            "limit": "上限",
            "delay": "生效时间",
            "disable": "关闭",
            "view": "查看",
            "transfer": "转让",
            "forgot": "忘记",
            "restore": "恢复",
            "notify": "通知",
            "bulk": "批量",
            "api": "API",
            "compare": "区别",
        },
        "en": {
            "change": "change",
            "fail": "error",
            "fee": "fee",
            "limit": "limit",
            "delay": "take effect",
            "disable": "turn off",
            "view": "check",
            "transfer": "transfer",
            "forgot": "forgot",
            "restore": "restore",
            "notify": "notification",
            "bulk": "bulk",
            "api": "API",
            "compare": "difference",
        },
    }["zh" if zh else "en"][frame.intent]
    bare = q.replace("在", "").replace("对", "").replace("上", "").strip() if zh else q
    return " ".join(x for x in (p, o, verb, bare) if x)


def make_queries(entries: list[SynthEntry], count: int, seed: int = 11) -> list[dict]:
    """Questions with a known answer (the entry they were made from), never the entry's own text."""
    rng = random.Random(seed)
    kinds = ["paraphrase", "typo", "crosslingual", "keywords"]
    rows: list[dict] = []
    for k, index in enumerate(rng.sample(range(len(entries)), min(count, len(entries)))):
        entry = entries[index]
        kind = kinds[k % len(kinds)]
        frame = entry.frame
        templates = INTENTS[frame.intent][0 if frame.zh else 1]
        own = next(t for t in range(len(templates)) if realise(frame, frame.zh, t) == entry.question)
        other = (own + 1 + rng.randrange(len(templates) - 1)) % len(templates)
        if kind == "crosslingual":
            q = realise(frame, not frame.zh, rng.randrange(4))
        elif kind == "keywords":
            q = _keywords(frame, frame.zh)
        else:
            q = realise(frame, frame.zh, other)
            if kind == "typo":
                q = _typo(q, rng)
        rows.append({"q": q, "faq": [entry.question], "kind": kind, "lang": "zh" if frame.zh else "en"})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True, help="folder; the KB goes to OUT/kb (never kb/)")
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    if (args.out / "kb").resolve() == (ROOT / "kb").resolve():
        parser.error("refusing to write into the project's kb/")
    entries = generate(args.entries, args.seed)
    paths = write_kb(entries, args.out / "kb")
    queries = make_queries(entries, args.queries)
    with (args.out / "queries.jsonl").open("w", encoding="utf-8") as handle:
        for row in queries:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    size = sum(p.stat().st_size for p in paths)
    print(
        f"{len(entries)} entries in {len(paths)} files ({size / 1e6:.1f} MB) -> {args.out / 'kb'}; "
        f"{len(queries)} queries -> {args.out / 'queries.jsonl'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
