"""End to end: /bulletin through the real `zhiri run` and the fake Bot API. An administrator gets this
quarter's bulletin as a Word document and its annex as a workbook (read back here); anyone else is refused by
the one permission policy, and a quarter written wrong is explained."""

from __future__ import annotations

from io import BytesIO

from docx import Document
from openpyxl import load_workbook

from reports.bulletin import ANNEX_HEADERS, PARTS
from tests.bot.e2e import FINANCE, running_bot


def test_bulletin_sends_the_quarter_as_a_word_document_and_its_annex(tmp_path):
    with running_bot(tmp_path) as bot:
        finance, chat = bot.person(FINANCE, "赵财")
        bot.ask(chat, finance, "/bulletin", "只有系统管理员可以使用这个命令")
        bot.ask(bot.admin_chat, bot.admin, "/bulletin 第四季度", "季度应写成 2026Q4 的形式")

        since = bot.last_seq()
        bot.fake.send_text(bot.admin_chat, bot.admin, "/bulletin 2026Q4")
        annex = bot.expect(bot.admin_chat, "附件：问题清单", since)
        (docx,) = [
            r
            for r in bot.fake.messages_to(bot.admin_chat)
            if r.seq > since and r.method == "sendDocument" and (r.document_filename or "").endswith(".docx")
        ]
        assert docx.document_filename == "2026年第4季度检查情况通报.docx"
        assert docx.text is not None and "检查风险" in docx.text and "2026年第4季度检查情况通报" in docx.text
        assert docx.document_bytes is not None and annex.document_bytes is not None
        doc = Document(BytesIO(docx.document_bytes))
        text = "\n".join(p.text for p in doc.paragraphs)
        assert [text.index(p) for p in PARTS] == sorted(text.index(p) for p in PARTS)
        assert len(doc.inline_shapes) >= 2
        rows = list(load_workbook(BytesIO(annex.document_bytes))["问题清单"].iter_rows(values_only=True))
        assert rows[0] == ANNEX_HEADERS
        # The annex in the document and in the workbook list the same problems.
        assert len(doc.tables[0].rows) == len(rows) > 1
