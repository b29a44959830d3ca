# SPDX-License-Identifier: EUPL-1.2
"""Shared set-up for the PDF reports (reportlab): A4 page, margins, the styles we use."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import IO, Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import Paragraph, SimpleDocTemplate


@dataclass(frozen=True)
class ReportStyles:
    title: ParagraphStyle
    heading: ParagraphStyle
    subheading: ParagraphStyle
    body: ParagraphStyle
    small: ParagraphStyle


def a4_document(buffer: IO[bytes], *, title: str) -> tuple[SimpleDocTemplate, ReportStyles]:
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=title,
        author="Smaakmaker",
        leftMargin=1.8 * cm,
        rightMargin=1.8 * cm,
        topMargin=1.6 * cm,
        bottomMargin=1.6 * cm,
    )
    sheet = getSampleStyleSheet()
    body = sheet["BodyText"]
    return document, ReportStyles(
        sheet["Title"],
        sheet["Heading2"],
        sheet["Heading4"],
        body,
        body.clone("small", fontSize=8, leading=10),
    )


def para(value: Any, style: ParagraphStyle) -> Paragraph:
    """A paragraph of plain text (escaped: names such as 'Buurt & Co' must not break the markup)."""
    return Paragraph(escape(str(value)), style)
