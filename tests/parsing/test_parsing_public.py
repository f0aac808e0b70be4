"""Real public FAQ files (tests/fixtures/public_faqs, source named on each file's first line)
read the way a careful person reads them.

The convention, the entry count and the spot checks were established by reading each file, not
taken from the parser: what is a question (a heading, a bold line, a ``Q1:`` line, a definition
term), where its answer ends, and which headings are only sections, introductions or empty
placeholders.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.parsing import read_markdown_file

PUBLIC = Path(__file__).resolve().parents[1] / "fixtures" / "public_faqs"

# file -> (convention, entries, [(question, answer starts with, answer ends with)])
EXPECTED: dict[str, tuple[str, int, list[tuple[str, str, str]]]] = {
    "antd_zh.md": (
        "heading",
        27,
        [
            ("undefined 和 null 在 antd 的受控组件中有区别吗？", "有区别。antd 约定", "option 的 value。"),
            (  # its "### 解决办法" sub-heading is part of the answer
                "当我指定了 DatePicker/RangePicker 的 mode 属性后，点击后无法选择年份/月份？",
                "在业务开发中，你可能有年份选择",
                "disabledDate 也可以正确作用于这些 Picker。",
            ),
        ],
    ),
    "astrbot_zh.md": (
        "heading",
        19,
        [
            ("为什么从服务器 IP 无法访问", "WebUI 默认只监听 127.0.0.1:6185。", "详见 Docker 部署。"),
            ("什么时候使用 6199 反向 WebSocket", "6199/ws 属于通用", "与 OneBot v11。"),
        ],
    ),
    "chatchat_lines_zh.md": (
        "lines",
        17,
        [
            ("本项目支持哪些文件格式？", "目前已测试支持 txt、docx、md、pdf 格式文件", "可能存在文件无法加载的问题。"),
            (  # "Q14 …" without a colon, its answer without "A14:"
                "调用api中的 bing_search_chat接口时，报出 Failed to establish a new connection: "
                "[Errno 110] Connection timed out",
                "这是因为服务器加了防火墙",
                "就别想了GG--!",
            ),
        ],
    ),
    "chatglm_faq_zh.md": (
        "heading",
        1,
        [
            (  # "## Q1" over a bold question
                "Mac直接加载量化后的模型出现提示 `clang: error: unsupported option '-fopenmp'",
                "这是由于Mac由于本身缺乏omp导致的",
                "请明确知道自己在删除什么。",
            )
        ],
    ),
    "clash_zh.md": (
        "heading",
        10,
        [
            ("Service Mode 无法安装", "Windows\n先确定系统安装了.NET framework runtime", "参考(opens new window)"),
            (
                "在 Windows 系统中，TUN 模式下无法使用热点分享功能",
                "开启热点分享功能",
                "在“家庭网络连接”选择框中选择第 1 步生成的网卡",
            ),
        ],
    ),
    "electron_faq.md": (
        "heading",
        8,
        [
            ("require('electron').xxx is undefined.", "When using Electron's built-in module", "renderer processes."),
            (
                "The font looks blurry, what is this and what can I do?",
                "If sub-pixel anti-aliasing is deactivated",
                "does not have the desired effect.",
            ),
        ],
    ),
    "homebrew_faq.md": (
        "heading",
        7,
        [
            ("Is there a glossary of terms around?", "The Formula Cookbook has a list", "Homebrew terminology."),
            ("Where does stuff get downloaded to?", "brew --cache", "~/Library/Caches/Homebrew"),
        ],
    ),
    "iblackstone_support_zh.md": (
        "list",
        3,
        [
            ("如何取消订阅？", "通过设备的【设置】", "选择取消订阅即可。"),
            ("App使用遇到了无法解决的问题？", "首先，查看App内提供的帮助文档", "375976821@qq.com"),
        ],
    ),
    "kimi_cli_zh.md": (
        "heading",
        16,
        [
            ("/login 时模型列表为空", "如果在运行 /login（或 /setup）命令时", "api.moonshot.cn）。"),
            ("如何禁用更新提醒", "如果不希望 Kimi Code CLI 检查更新", "（如 ~/.zshrc 或 ~/.bashrc）中。"),
        ],
    ),
    "ktoolbox_zh.md": (
        "heading",
        10,
        [
            (  # "!!! info" admonition and "### …" sub-heading inside the answer
                "如何解决 uvloop/winloop 安装失败的问题？",
                "这是可选的\n事件循环优化",
                "sudo apt install python3-uvloop",
            ),
            ("下载时频繁出现 403 错误", "解决方法同上", "解决方法同上"),
        ],
    ),
    "nastool_zh.md": (
        "heading",
        4,
        [
            ("无法启动", "启动日志报inotify instance limit reached", "参考目录同步不自动运行。"),
            ("目录同步不自动运行", "启动日志报与inotify相关的错误时", "（不推荐）。"),
        ],
    ),
    "paddleocr_headings_zh.md": (
        "heading",
        15,
        [
            ("文本标注工具PPOCRLabel有什么特色？", "PPOCRLabel是一个半自动文本标注工具", "所需要的数据格式，"),
            (
                "PaddleOCR中，对于模型预测加速，CPU加速的途径有哪些？基于TenorRT加速GPU对输入有什么要求？",
                "（1）CPU可以使用mkldnn进行加速",
                "TRT6 之后才支持变长输入",
            ),
        ],
    ),
    "paddleocr_list_zh.md": (
        "list",
        9,
        [
            ("关于推理速度", "图片中的文字较多时", "可以改为10或其他数值。"),
            ("开源模型使用的训练数据是什么，能否开源", "目前开源的模型，数据集和量级如下：", "等。"),
        ],
    ),
    "pnpm_faq.md": (
        "heading",
        9,
        [
            (
                "Does pnpm work across multiple hard drives or filesystems?",
                "The package store should be on the same disk as installations.",
                "but each drive may have redundant packages.",
            ),
            (
                "pnpm does not work with <YOUR-PROJECT-HERE>?",
                "In most cases it means",
                "To use it, try pnpm install --shamefully-flatten.",
            ),
        ],
    ),
    "rclone_faq.md": (
        "heading",
        8,
        [
            ("Do all cloud storage systems support all rclone commands", "Yes they do.", "remote storage systems."),
            ("Can I use rclone with an HTTP proxy?", "Yes. rclone will follow", "does not support ftp_proxy yet."),
        ],
    ),
    "redux_actions_faq.md": (
        "heading",
        2,
        [
            (
                "Why should type be a string? Why should my action types be constants?",
                "As with state, serializable actions",
                "Stack Overflow: What is the point of the constants in Redux?",
            )
        ],
    ),
    "rs_system_zh.md": (
        "heading",
        6,
        [
            ("如何開始使用 RS-System？", "請參考 🚀 快速開始指南", "請參考 🚀 快速開始指南"),
            ("CI/CD 如何配置？", "請參考 部署指南。", "請參考 部署指南。"),
        ],
    ),
    "switchyomega_zh.md": (
        "heading",
        8,
        [
            ("这软件怎么不提供免费代理!!!!!!!!1", "嗯，确实如此。", "因为我们目前根本就没有合作伙伴。"),
            ("SwitchyOmega 与其他扩展冲突怎么办？", "由于 Chrome 限制", "可以试试看重装SwitchyOmega 来提高优先权。"),
        ],
    ),
    "tetra_faq.md": (
        "heading",
        9,
        [
            ("Why is my game running slow?", "Cargo builds projects in debug mode by default.", "RAM: 8GB DDR4"),
            ("Why is it called Tetra?", "I'm terrible at naming projects", "a better origin story than that :D"),
        ],
    ),
    "vue_faq_uk.md": (
        "heading",
        4,
        [
            ("Хто займається підтримкою Vue?", "Vue - це незалежний проєкт", "щоб підтримати розробку Vue!"),
            ("Яку ліцензію використовує Vue?", "Vue - це безкоштовний проєкт", "під ліцензією MIT."),
        ],
    ),
    "zeroinstall_faq.md": (
        "definitions",
        8,
        [
            ("What is it?", "Zero Install is a decentralised", "It is fully Open Source."),
            (
                "Where does it install things to?",
                "By default, everything goes under",
                "you're probably doing it wrong ;-)",
            ),
        ],
    ),
    "zeronet_zh.md": (
        "heading",
        10,
        [
            ("我需要打开一个端口吗？", "这是 可选的, 您可以在没有开放端口的情况下", "要转发的端口是15441。"),
            ("如何在Tor浏览器中使用ZeroNet？", "在Tor模式下，建议在Tor浏览器中使用ZeroNet：", "重新加载页面"),
        ],
    ),
}

# Markers of the source's own syntax that must not reach an answer.
LEAKS = ("!!! ", '=== "', ":::", "{#", "<!--", "title:", "{:toc}")


def test_every_public_fixture_has_expectations() -> None:
    assert sorted(p.name for p in PUBLIC.glob("*.md")) == sorted(EXPECTED)
    assert len(EXPECTED) >= 20
    for path in PUBLIC.glob("*.md"):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("<!-- source: ") and first.endswith("-->"), path.name
        assert path.stat().st_size < 30_000, path.name


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_public_faq_reads_as_a_person_reads_it(name: str) -> None:
    convention, count, checks = EXPECTED[name]
    report = read_markdown_file((PUBLIC / name).read_text(encoding="utf-8"), name)
    assert report.format == convention
    assert len(report.entries) == count, [e.question for e in report.entries]
    assert not [p for p in report.problems if p.level == "error"]
    by_question = {e.question: e for e in report.entries}
    for question, starts, ends in checks:
        assert question in by_question, sorted(by_question)
        answer = by_question[question].answer_text
        assert answer.startswith(starts), answer[:200]
        assert answer.endswith(ends), answer[-200:]
    for entry in report.entries:
        assert not any(leak in entry.answer_md for leak in LEAKS), (entry.question, entry.answer_md[:300])
        assert not any(leak in entry.question for leak in LEAKS), entry.question


def test_front_matter_is_skipped_but_a_rule_around_a_question_is_not() -> None:
    yaml = "<!-- note -->\n---\ntitle: FAQ\ntags: [a]\n---\n\n## How do I pay?\n\nBy card.\n"
    report = read_markdown_file(yaml, "f.md")
    assert [(e.question, e.answer_text, e.source) for e in report.entries] == [("How do I pay?", "By card.", "f.md:7")]
    ruled = "---\nQ: How do I pay?\nA: By card.\n\n---\n"
    assert [e.question for e in read_markdown_file(ruled, "g.md").entries] == ["How do I pay?"]


@pytest.mark.parametrize(
    ("source", "markdown", "text"),
    [
        ('!!! warning "Mind"\n    Back up first.\n\nThen go.', "> **Mind**\n>\n> Back up first.\n\nThen go.", None),
        (":::tip[Mind]\nBack up first.\n:::\nThen go.", "> **Mind**\n>\n> Back up first.\n\nThen go.", None),
        ("::: tip\nBack up.\n:::", "> **Tip**\n>\n> Back up.", "Tip\nBack up."),
        ("::: code-group\n```sh\nrun\n```\n:::", "```sh\nrun\n```", "run"),
        ('=== "Windows"\n    winget install x', "**Windows**\n\nwinget install x", "Windows\nwinget install x"),
        ("```md\n:::tip\n!!! note\n```", "```md\n:::tip\n!!! note\n```", ":::tip\n!!! note"),
    ],
)
def test_admonitions_and_containers_in_answers(source: str, markdown: str, text: str | None) -> None:
    report = read_markdown_file(f"## How do I upgrade?\n\n{source}\n", "f.md")
    (entry,) = report.entries
    assert entry.answer_md == markdown
    if text is not None:
        assert entry.answer_text == text
