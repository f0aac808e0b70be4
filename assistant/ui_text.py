"""The one string table of the interface, in Chinese and English: the framing of answers (matched question,
"source", "not covered"..., used by :mod:`assistant.compose`), the labels of the web chat and of the insights
page. One fallback rule: an unknown language reads the default (Chinese, the FAQ's language). The interface
follows the language of the last question and can be switched.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final
from urllib.parse import quote

LANGUAGES: Final = ("zh", "en")
DEFAULT_LANGUAGE: Final = "zh"

# Examples must be questions the FAQ answers (tests/app/test_app.py checks each one against the engine).
EXAMPLES: Final[dict[str, tuple[str, ...]]] = {
    "zh": (
        "GLM Coding Plan 支持 GLM-5 吗？",
        "套餐的用量额度有多少？",
        "如何取消自动续费？",
        "邀请好友的赠金什么时候到账？",
    ),
    "en": (
        "Does the plan support GLM-5?",
        "How much usage does each plan include?",
        "How do I cancel auto-renewal?",
        "Can I get a refund?",
    ),
}

TEXT: Final[dict[str, dict[str, str]]] = {
    "zh": {
        # answer framing (assistant.compose renders these into the answer's markdown)
        "matched": "匹配的问题",
        "section": "分类",
        "ambiguous": "这个问题也可能是指：**{question}**（见下方相关问题）。",
        "not_covered": "抱歉，FAQ 中没有找到能回答这个问题的内容。",
        "human": "如需进一步帮助，请联系人工客服。",
        "closest": "你可能想问：",
        "best_guess": "不太确定你问的是不是这个，最接近的问题是：**{question}**。"
        "如果不是，请看下方的其他问题，或换个说法再问。",
        "zh_note": "",
        "key": "要点",
        "empty": "请输入一个问题。Please type a question.",
        "too_long": "问题太长了（{length} 个字符，上限 {limit}）。请缩短后再问。",
        "calc_formula": "计算：",
        "calc_notes": "说明：",
        "calc_source": "依据 FAQ：",
        # web chat
        "full_entry": "查看完整回答",
        "rule_entry": "FAQ 原文",
        "page_title": "GLM Coding Plan 帮助",
        "title": "GLM Coding Plan 常见问题助手",
        "welcome": "你好！我会根据 **GLM Coding Plan 常见问题** 回答，并注明出处。可以试试下面的问题：",
        "input_placeholder": "输入你的问题…",
        "switch_language": "English",
        "loading": "正在加载 FAQ…",
        "thinking": "正在查找答案…",
        "related": "相关问题",
        "suggestions": "你可能想问：",
        "source": "来源",
        "steps": "计算过程",
        "degraded": "语义检索暂不可用，本回答仅基于关键词匹配，可能不够准确。",
        "feedback_thanks": "感谢反馈！",
        "feedback_withdrawn": "已撤回反馈。",
        "feedback_failed": "抱歉，反馈未能保存，请稍后再试。",
        "engine_error": "抱歉，回答这个问题时出错了。请换个说法再试，或联系人工客服。",
        "engine_unavailable": "抱歉，FAQ 助手暂时无法使用，请稍后再试或联系人工客服。",
        "history_trimmed": "较早的对话已隐藏。",
        "contact_support": "联系人工客服",
        "support_after_down": "没有帮到你？可以联系人工客服：",
        "config_error": "聊天助手的配置有误，请联系网站管理员。",
        "new_conversation": "新对话",
        "copy": "复制回答",
        "copied": "已复制",
        # insights page
        "insights_title": "FAQ 洞察",
        "insights_intro": "客户的问题与反馈：FAQ 接下来该补充什么。",
        "insights_password": "访问密码",
        "insights_locked": "请输入访问密码以查看洞察页面。",
        "insights_wrong_password": "密码不正确。",
        "insights_closed": "洞察页面已关闭：请设置访问密码（ASSISTANT_INSIGHTS_PASSWORD）后重启服务。",
        "insights_wait": "尝试次数过多，请稍候再试。",
        "insights_unavailable": "无法读取反馈数据库：{error}",
        "metric_questions": "问题总数",
        "metric_unanswered": "未能回答",
        "metric_up": "点赞",
        "metric_down": "点踩",
        "metric_handoffs": "转人工",
        "unanswered_title": "未回答的问题（按相似度分组）",
        "unanswered_help": "FAQ 没有覆盖的问题，以及被点踩的回答。这是 FAQ 接下来要补充的清单。",
        "unanswered_empty": "还没有未回答的问题。",
        "top_entries_title": "命中最多的条目",
        "votes_title": "各条目的好评率",
        "per_day_title": "每天的问题数（UTC）",
        "no_data": "还没有数据。",
        "no_answer_entry": "（无答案）",
        "download_unanswered": "下载未回答问题 CSV",
        "download_questions": "下载全部问题 CSV",
        "col_question": "问题",
        "col_count": "次数",
        "col_no_answer": "无答案",
        "col_thumbs_down": "点踩",
        "col_last_asked": "最近一次",
        "col_variants": "不同说法",
        "col_entry": "条目",
        "col_hits": "命中",
        "col_up": "点赞",
        "col_down": "点踩",
        "col_ratio": "好评率",
        "col_day": "日期",
        "col_questions": "问题",
        "col_unanswered": "未回答",
    },
    "en": {
        # answer framing (assistant.compose renders these into the answer's markdown)
        "matched": "Matched FAQ question",
        "section": "Section",
        "ambiguous": "Your question may also mean: **{question}** (see the related questions below).",
        "not_covered": "Sorry, the FAQ does not cover this question.",
        "human": "Please contact human support for further help.",
        "closest": "Closest questions in the FAQ:",
        "best_guess": "I'm not sure this is what you mean; the closest FAQ question is **{question}**. If not, see the "
        "other questions below or rephrase.",
        "zh_note": "_The FAQ is written in Chinese; its answer is quoted as written._",
        "key": "In short (the FAQ's words)",
        "empty": "Please type a question. 请输入一个问题。",
        "too_long": "That question is too long ({length} characters, the limit is {limit}). Please shorten it.",
        "calc_formula": "Calculation:",
        "calc_notes": "Notes:",
        "calc_source": "Source (FAQ):",
        # web chat
        "full_entry": "The full FAQ answer",
        "rule_entry": "The FAQ entry",
        "page_title": "GLM Coding Plan help",
        "title": "GLM Coding Plan FAQ assistant",
        "welcome": "Hi! I answer from the **GLM Coding Plan FAQ** and cite where each answer comes from. "
        "Try one of these:",
        "input_placeholder": "Type your question…",
        "switch_language": "中文",
        "loading": "Loading the FAQ…",
        "thinking": "Looking it up…",
        "related": "Related questions",
        "suggestions": "Did you mean:",
        "source": "Source",
        "steps": "How it was calculated",
        "degraded": "Semantic search is unavailable; this answer comes from keyword matching only and may be less "
        "accurate.",
        "feedback_thanks": "Thanks for your feedback!",
        "feedback_withdrawn": "Feedback withdrawn.",
        "feedback_failed": "Sorry, your feedback could not be saved. Please try again later.",
        "engine_error": "Sorry, something went wrong answering that. Please rephrase it, or contact human support.",
        "engine_unavailable": "Sorry, the FAQ assistant is unavailable right now. Please try again later or contact "
        "human support.",
        "history_trimmed": "Earlier messages are hidden.",
        "contact_support": "Contact support",
        "support_after_down": "Not helpful? A person from support can help:",
        "config_error": "The chat is misconfigured. Please tell the site's administrator.",
        "new_conversation": "New conversation",
        "copy": "Copy answer",
        "copied": "Copied",
        # insights page
        "insights_title": "FAQ insights",
        "insights_intro": "What customers ask and how they rate the answers: what to add to the FAQ next.",
        "insights_password": "Password",
        "insights_locked": "Enter the password to see the insights.",
        "insights_wrong_password": "Wrong password.",
        "insights_closed": "The insights page is closed: set a password (ASSISTANT_INSIGHTS_PASSWORD) and restart "
        "the server.",
        "insights_wait": "Too many attempts; please wait a moment before trying again.",
        "insights_unavailable": "Cannot read the feedback database: {error}",
        "metric_questions": "Questions",
        "metric_unanswered": "Unanswered",
        "metric_up": "Thumbs up",
        "metric_down": "Thumbs down",
        "metric_handoffs": "Handoffs to support",
        "unanswered_title": "Unanswered questions (similar ones grouped)",
        "unanswered_help": "Questions the FAQ does not cover, and answers that got a thumbs-down: "
        "the list of what to add next.",
        "unanswered_empty": "No unanswered questions yet.",
        "top_entries_title": "Top entries by hits",
        "votes_title": "Thumbs-up ratio per entry",
        "per_day_title": "Questions per day (UTC)",
        "no_data": "No data yet.",
        "no_answer_entry": "(no answer)",
        "download_unanswered": "Download unanswered questions (CSV)",
        "download_questions": "Download all questions (CSV)",
        "col_question": "Question",
        "col_count": "Count",
        "col_no_answer": "No answer",
        "col_thumbs_down": "Thumbs down",
        "col_last_asked": "Last asked",
        "col_variants": "Wordings",
        "col_entry": "Entry",
        "col_hits": "Hits",
        "col_up": "Up",
        "col_down": "Down",
        "col_ratio": "Thumbs-up ratio",
        "col_day": "Day",
        "col_questions": "Questions",
        "col_unanswered": "Unanswered",
    },
}


def language_or_default(language: object) -> str:
    """``language`` if the interface has it, else the default (Chinese, the FAQ's language)."""
    return language if isinstance(language, str) and language in LANGUAGES else DEFAULT_LANGUAGE


def label(language: str, key: str, **values: object) -> str:
    """The interface label ``key`` in ``language`` (Chinese when the language is unknown)."""
    table = TEXT[language_or_default(language)]
    return table[key].format(**values) if values else table[key]


def examples(language: str) -> tuple[str, ...]:
    """The example questions offered in the welcome message."""
    return EXAMPLES[language_or_default(language)]


_NOT_IN_ANCHOR = re.compile(r"[^\w\- ]")


def anchor(question: str) -> str:
    """The fragment of an FAQ entry on the published page (ASSISTANT_FAQ_URL): the GitHub/markdown heading
    rule applied to the entry's question: NFKC, lower case, punctuation dropped (letters, digits, CJK,
    ``-`` and ``_`` kept), each space a ``-``; percent-encoded for the URL."""
    text = unicodedata.normalize("NFKC", question).strip().lower()
    slug = _NOT_IN_ANCHOR.sub("", text).replace(" ", "-")
    return quote(slug, safe="-_")


def source_link(faq_url: str, question: str) -> str:
    """The published page's address of the entry whose question is ``question``."""
    return f"{faq_url.split('#', 1)[0]}#{anchor(question)}"


def other_language(language: str) -> str:
    """The language the switch button changes to."""
    return "en" if language_or_default(language) == "zh" else "zh"


__all__ = [
    "DEFAULT_LANGUAGE",
    "EXAMPLES",
    "LANGUAGES",
    "TEXT",
    "anchor",
    "examples",
    "label",
    "language_or_default",
    "other_language",
    "source_link",
]
