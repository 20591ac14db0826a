"""Documents govgrid prints in Chinese (a work unit's quarterly report, a street's pay sheet), drawn
with fpdf2, which writes real text (a reader can search and copy it, pdftotext reads it back) and
embeds only the glyphs used from Debian's Noto Sans CJK: fpdf2 opens the .ttc collection's
simplified-Chinese face (`collection_font_number`) and embeds its CFF outlines as they are. Without
the font a document is refused with FontMissing, never printed as empty boxes."""

import logging
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from fpdf import FPDF
from fpdf.enums import WrapMode
from fpdf.fonts import FontFace

FONT_DIR = Path("/usr/share/fonts/opentype/noto")  # Debian's fonts-noto-cjk, which scripts/setup.sh installs
FONT_FILES = {"": "NotoSansCJK-Regular.ttc", "B": "NotoSansCJK-Bold.ttc"}
FONT_INDEX = 2  # the collection's faces: JP, KR, SC, TC, HK; SC draws simplified Chinese's shapes
FONT = "noto-sans-sc"
GREY = (100, 100, 100)
INK, RED, HEAD = (20, 20, 20), (200, 16, 46), (236, 240, 245)

# fontTools' subsetter tells each glyph it keeps at INFO: a few hundred lines for every document.
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)


class FontMissing(ImproperlyConfigured):
    pass


def check_fonts(what="documents"):
    """Raise FontMissing now if a document could not be drawn."""
    for name in FONT_FILES.values():
        path = FONT_DIR / name
        if not path.is_file():
            raise FontMissing(
                f"{what} need the font {path}: install the Debian package fonts-noto-cjk (scripts/setup.sh does)"
            )


class Document(FPDF):
    """An A4 page with the CJK font in both weights and a footer: `footer_text` and the page's number."""

    def __init__(self, footer_text, orientation="landscape"):
        super().__init__(orientation=orientation, unit="mm", format="A4")
        self.footer_text = footer_text
        self.set_margins(10, 12, 10)
        self.set_auto_page_break(True, margin=14)
        for style, name in FONT_FILES.items():
            self.add_font(FONT, style=style, fname=str(FONT_DIR / name), collection_font_number=FONT_INDEX)

    def footer(self):
        self.set_y(-10)
        self.set_font(FONT, size=8)
        self.set_text_color(*GREY)
        self.cell(0, 5, f"{self.footer_text}　第 {self.page_no()} 页 / 共 {{nb}} 页", align="C")

    def open_with_heading(self, title, document_title, size):
        """The first page, headed as every govgrid document is: its title centred in bold red, the
        document's properties naming it and govgrid; the text after it in ink."""
        self.set_title(document_title)
        self.set_creator("govgrid")
        self.add_page()
        self.set_text_color(*RED)
        self.set_font(FONT, "B", size)
        self.multi_cell(0, size / 2 + 0.5, title, align="C", new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(*INK)

    def columns_table(self, columns, **options):
        """A table of `columns` ((heading, width in mm), ...) whose bold, shaded heading row is
        repeated on every page and whose cells break between characters (Chinese has no spaces);
        the caller writes the heading row first."""
        return self.table(
            col_widths=[width for _heading, width in columns],
            width=sum(width for _heading, width in columns),
            wrapmode=WrapMode.CHAR,
            headings_style=FontFace(emphasis="BOLD", fill_color=HEAD),
            repeat_headings=1,
            **options,
        )
