"""The 16:9 deck (PowerPoint, python-pptx): title, executive summary, one chart per slide under
its headline, and an appendix with the assumptions and the reproducibility record.

:class:`Deck` holds the content as plain text and picture paths; :func:`write_deck` lays it out.
Chart pictures are drawn at :data:`~sim.report.style.FIGURE_SIZE`, the slide area under the
headline, so they go on the slide at 1:1 and their fonts keep the size they were drawn at.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sim.report.style import FIGURE_SIZE, HIGHLIGHT, SLIDE_SIZE

__all__ = ["Deck", "write_deck", "ANSWER_TITLE", "SUMMARY_TITLE", "APPENDIX_TITLE"]

ANSWER_TITLE = "Acquiring vs keeping customers: the answer"
SUMMARY_TITLE = "Executive summary"
APPENDIX_TITLE = "Appendix: assumptions and reproducibility"

_MARGIN = 0.45  # inches
_HEADLINE_TOP, _HEADLINE_HEIGHT = 0.25, 1.05
_BODY_TOP = _HEADLINE_TOP + _HEADLINE_HEIGHT + 0.1
_DARK = "333333"
_MUTED = "666666"


@dataclass
class Deck:
    """What goes into the deck.

    Attributes
    ----------
    title, subtitle : str
        Title slide (the subtitle may hold several lines).
    answer : list of str
        The plain-words answer (:func:`sim.report.headline.headline_answer`): what a new
        customer costs against keeping one and where the profit comes from; its own slide after
        the title, when given.
    takeaway : str
        The one-sentence conclusion, at the top of the executive summary.
    highlights : list of (str, str)
        Headline numbers as label and formatted value (one bullet each).
    table : DataFrame, optional
        A table of formatted strings for the executive summary (e.g. one row per strategy).
    charts : list of (str, Path)
        Headline and PNG file of each chart slide, in order.
    assumptions, reproducibility : list of (str, str)
        Appendix entries as label and value.
    firm_fitted, firm_assumed : list of str
        A calibrated firm's parameters, fitted (value, standard error) and assumed (value, source
        or reason), as "name: text" lines (:func:`sim.report.firm.firm_parameter_lines`); their
        own appendix slide when given.
    """

    title: str
    subtitle: str
    takeaway: str
    answer: list[str] = field(default_factory=list)
    highlights: list[tuple[str, str]] = field(default_factory=list)
    table: pd.DataFrame | None = None
    charts: list[tuple[str, Path]] = field(default_factory=list)
    assumptions: list[tuple[str, str]] = field(default_factory=list)
    reproducibility: list[tuple[str, str]] = field(default_factory=list)
    firm_fitted: list[str] = field(default_factory=list)
    firm_assumed: list[str] = field(default_factory=list)


def _style_runs(paragraph, size: float, *, bold: bool = False, colour: str = _DARK) -> None:
    from pptx.dml.color import RGBColor
    from pptx.util import Pt

    for run in paragraph.runs:
        run.font.size = Pt(size)
        run.font.bold = bold
        run.font.color.rgb = RGBColor.from_string(colour)


def _headline_size(text: str) -> float:
    """Points for a headline: two lines of the slide's width at most (about 60 characters a line at 26 pt)."""
    return 26 if len(text) <= 110 else 22 if len(text) <= 135 else 19


def _headline(slide, text: str, size: float | None = None) -> None:
    """Put ``text`` in the slide's title placeholder, left-aligned across the top of a 16:9 slide."""
    from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
    from pptx.util import Inches

    title = slide.shapes.title
    title.left, title.top = Inches(_MARGIN), Inches(_HEADLINE_TOP)
    title.width, title.height = Inches(SLIDE_SIZE[0] - 2 * _MARGIN), Inches(_HEADLINE_HEIGHT)
    tf = title.text_frame
    tf.text = text
    tf.word_wrap = True
    tf.auto_size = MSO_AUTO_SIZE.NONE
    tf.vertical_anchor = MSO_ANCHOR.TOP
    for p in tf.paragraphs:
        p.alignment = PP_ALIGN.LEFT
        _style_runs(p, size or _headline_size(text), bold=True)


def _text_box(slide, frame: tuple[float, float, float, float], lines: list[str], size: float,
              colour: str = _DARK, bold_prefix: bool = False):
    """A text box of ``lines`` at ``frame`` = (left, top, width, height) in inches, ``size`` in points;
    with ``bold_prefix`` the text before ': ' is bold."""
    from pptx.dml.color import RGBColor
    from pptx.util import Inches, Pt

    box = slide.shapes.add_textbox(*(Inches(v) for v in frame))
    tf = box.text_frame
    tf.word_wrap = True
    for i, line in enumerate(lines):
        p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        p.space_after = Pt(size * 0.35)
        label, sep, rest = line.partition(": ")
        parts = [(label + sep, True), (rest, False)] if bold_prefix and sep else [(line, False)]
        for text, bold in parts:
            run = p.add_run()
            run.text = text
            run.font.size = Pt(size)
            run.font.bold = bold
            run.font.color.rgb = RGBColor.from_string(colour)
    return box


def _table(slide, table: pd.DataFrame, top: float) -> None:
    """The executive-summary table: header row in bold, first column the row label."""
    from pptx.util import Inches, Pt

    rows, cols = table.shape[0] + 1, table.shape[1]
    width = SLIDE_SIZE[0] - 2 * _MARGIN
    row_height = 0.42
    shape = slide.shapes.add_table(rows, cols, Inches(_MARGIN), Inches(top), Inches(width), Inches(row_height * rows))
    t = shape.table
    # The label column and the first value column (a mean with its interval) get more room.
    weights = [2.0, 2.0] + [1.0] * (cols - 2) if cols > 2 else [1.0] * cols
    for j, w in enumerate(weights):
        t.columns[j].width = Inches(width * w / sum(weights))
    size = 14 if rows <= 8 else 12
    for j, name in enumerate(table.columns):
        t.cell(0, j).text = str(name)
        _style_runs(t.cell(0, j).text_frame.paragraphs[0], size, bold=True, colour="FFFFFF")
    for i, row in enumerate(table.itertuples(index=False), start=1):
        for j, value in enumerate(row):
            cell = t.cell(i, j)
            cell.text = str(value)
            _style_runs(cell.text_frame.paragraphs[0], size)
            cell.margin_top = cell.margin_bottom = Pt(3)


def _title_slide(prs, deck: Deck) -> None:
    """Title and subtitle, left-aligned in the middle of the slide."""
    from pptx.util import Inches

    width = SLIDE_SIZE[0] - 2 * _MARGIN
    slide = prs.slides.add_slide(prs.slide_layouts[0])
    slide.shapes.title.text = deck.title
    slide.shapes.title.left, slide.shapes.title.top = Inches(_MARGIN), Inches(2.2)
    slide.shapes.title.width, slide.shapes.title.height = Inches(width), Inches(1.6)
    _style_runs(slide.shapes.title.text_frame.paragraphs[0], 36, bold=True)
    sub = slide.placeholders[1]
    sub.left, sub.top, sub.width, sub.height = Inches(_MARGIN), Inches(4.0), Inches(width), Inches(2.2)
    sub.text = deck.subtitle
    for p in sub.text_frame.paragraphs:
        _style_runs(p, 18, colour=_MUTED)


def _answer_slide(prs, deck: Deck) -> None:
    """The plain-words answer, one sentence a paragraph, under a fixed title."""
    slide = prs.slides.add_slide(prs.slide_layouts[5])
    _headline(slide, ANSWER_TITLE)
    _text_box(slide, (_MARGIN, _BODY_TOP + 0.2, SLIDE_SIZE[0] - 2 * _MARGIN, 4.8), deck.answer, 22)


def _summary_slide(prs, deck: Deck) -> None:
    """The executive summary: takeaway, highlights in two columns, then the table."""
    width = SLIDE_SIZE[0] - 2 * _MARGIN
    slide = prs.slides.add_slide(prs.slide_layouts[5])
    _headline(slide, SUMMARY_TITLE)
    # A takeaway with its robustness over the priors runs to three or four lines: smaller type.
    size = 20 if len(deck.takeaway) <= 220 else 16
    box = _text_box(slide, (_MARGIN, _BODY_TOP, width, 1.2), [deck.takeaway], size, colour=HIGHLIGHT.lstrip("#"))
    box.text_frame.paragraphs[0].runs[0].font.bold = True
    top = _BODY_TOP + 1.35
    if deck.highlights:
        half = (len(deck.highlights) + 1) // 2
        for k, items in enumerate((deck.highlights[:half], deck.highlights[half:])):
            _text_box(slide, (_MARGIN + k * width / 2, top, width / 2 - 0.2, 0.5 * half),
                      [f"{label}: {value}" for label, value in items], 18, bold_prefix=True)
        top += 0.5 * half + 0.2
    if deck.table is not None:
        _table(slide, deck.table, top)


def _chart_slides(prs, deck: Deck) -> None:
    """One slide per chart, the headline as its title and the picture centred below."""
    from pptx.util import Inches

    for headline, picture in deck.charts:
        slide = prs.slides.add_slide(prs.slide_layouts[5])
        _headline(slide, headline)
        left = (SLIDE_SIZE[0] - FIGURE_SIZE[0]) / 2
        slide.shapes.add_picture(str(picture), Inches(left), Inches(_BODY_TOP + 0.05), width=Inches(FIGURE_SIZE[0]))


def _appendix_slide(prs, deck: Deck) -> None:
    """Assumptions and reproducibility side by side."""
    from pptx.util import Pt

    width = SLIDE_SIZE[0] - 2 * _MARGIN
    slide = prs.slides.add_slide(prs.slide_layouts[5])
    _headline(slide, APPENDIX_TITLE)
    for k, (heading, items) in enumerate((("Assumptions (money in currency units)", deck.assumptions),
                                          ("Reproducibility", deck.reproducibility))):
        box = _text_box(slide, (_MARGIN + k * width / 2, _BODY_TOP, width / 2 - 0.2, 5.6),
                        [heading] + [f"{label}: {value}" for label, value in items], 11, bold_prefix=True)
        first = box.text_frame.paragraphs[0]
        _style_runs(first, 16, bold=True)
        first.space_after = Pt(8)


def _firm_slide(prs, deck: Deck) -> None:
    """A calibrated firm's parameters: fitted on the left, assumed on the right (small type: every one is listed)."""
    from pptx.util import Pt

    from sim.report.firm import FIRM_TITLE

    width = SLIDE_SIZE[0] - 2 * _MARGIN
    slide = prs.slides.add_slide(prs.slide_layouts[5])
    _headline(slide, FIRM_TITLE)
    columns = (("Fitted (value, standard error)", deck.firm_fitted, 0.0, 0.34, 11),
               ("Assumed (value: source or reason)", deck.firm_assumed, 0.34, 0.66, 8))
    for heading, lines, left, share, size in columns:
        box = _text_box(slide, (_MARGIN + left * width, _BODY_TOP, share * width - 0.2, 5.8), [heading, *lines], size,
                        bold_prefix=True)
        first = box.text_frame.paragraphs[0]
        _style_runs(first, 14, bold=True)
        first.space_after = Pt(6)


def write_deck(deck: Deck, path: str | Path) -> Path:
    """Write ``deck`` as a 16:9 PowerPoint file and return its path.

    Slides: title; the answer (when ``deck.answer`` holds it); executive summary (takeaway,
    highlights, table); one slide per chart with the headline as its title; appendix; for a
    calibrated firm, an appendix slide of its fitted and assumed parameters. Every
    slide's title is its title placeholder, so outline views and accessibility tools list the
    messages.
    """
    from pptx import Presentation
    from pptx.util import Inches

    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(SLIDE_SIZE[0]), Inches(SLIDE_SIZE[1])
    prs.core_properties.title = deck.title
    prs.core_properties.author = "customer-sim"
    _title_slide(prs, deck)
    if deck.answer:
        _answer_slide(prs, deck)
    _summary_slide(prs, deck)
    _chart_slides(prs, deck)
    _appendix_slide(prs, deck)
    if deck.firm_fitted or deck.firm_assumed:
        _firm_slide(prs, deck)
    path = Path(path)
    prs.save(str(path))
    return path
