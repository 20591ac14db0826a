"""A photo as govgrid keeps and serves it: its pixels, and nothing else the camera wrote.

A phone's JPEG carries EXIF: the place it was taken (GPS), the time, the phone's make and serial
number, often a thumbnail of the uncropped picture. A case's photos are served to dispatchers,
departments and exports, so a resident's or a worker's whereabouts would travel with them. Every
photo is therefore decoded and written again with Pillow when it arrives: the EXIF orientation is
applied to the pixels first (the picture stays upright in every viewer, which the tag alone would
not guarantee once it is gone), and then EXIF, XMP, IPTC, comments and text chunks are all left
out. Only the colour profile is kept: it says how to show the colours and nothing about anyone.

The same upload always gives the same bytes (Pillow's encoders are deterministic), so a phone that
sends a photo again is still recognised by the digest of what is kept.
"""

import io
import struct
import warnings

from PIL import Image, ImageOps

# Content types by the file's first bytes (not by what the client claims), with Pillow's format.
SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "PNG"),
)
WEBP = ("image/webp", "WEBP")
ORIENTATION = 0x0112  # the EXIF tag that says how the camera was held
JPEG_QUALITY = 90  # for a JPEG whose pixels had to be turned; an upright one keeps its own tables


class NotAPicture(Exception):
    """The bytes are not a JPEG, PNG or WebP that can be decoded (or would decode to a bomb)."""


def sniff(data):
    """(content type, Pillow format) by the file's first bytes, or None."""
    for signature, content_type, image_format in SIGNATURES:
        if data.startswith(signature):
            return content_type, image_format
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    return None


def without_metadata(data):
    """(bytes, content type) of the picture in `data` with its orientation applied and no metadata;
    raises NotAPicture."""
    kind = sniff(data)
    if kind is None:
        raise NotAPicture
    content_type, image_format = kind
    try:
        with warnings.catch_warnings():
            # Above Image.MAX_IMAGE_PIXELS Pillow only warns; refuse it as the bomb it may be.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[image_format]) as image:
                image.load()
                return _written(image, image_format), content_type
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise NotAPicture from None
    except (TypeError, struct.error, KeyError, IndexError):
        # A damaged EXIF block: Pillow fails while applying or rewriting it (seen on randomly
        # altered EXIF bytes). Such a file is refused like any other that cannot be read.
        raise NotAPicture from None


# What Pillow reads from a file that says how to show the pixels, and nothing about who took them.
HARMLESS_INFO = {
    "jfif", "jfif_version", "jfif_unit", "jfif_density", "dpi", "icc_profile", "progressive", "progression",
    "adobe", "adobe_transform", "gamma", "srgb", "transparency", "interlace", "aspect", "background",
    "loop", "duration", "lossless",
}  # fmt: skip


def carries_metadata(data):
    """Does this stored picture still hold metadata (EXIF, XMP, comments, text)? False for what
    without_metadata writes, so stripping the stored photos twice rewrites nothing the second time."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            return bool(image.getexif()) or bool(set(image.info) - HARMLESS_INFO)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, TypeError, struct.error):
        return False


def _written(image, image_format):
    profile = image.info.get("icc_profile")
    turned = image.getexif().get(ORIENTATION, 1) not in (1, None)
    options = {"icc_profile": profile} if profile else {}
    # "keep" needs Pillow's own JPEG reader: a JPEG holding more pictures (MPO, from many phones'
    # portrait modes) is read as MPO and written again at JPEG_QUALITY, its first picture only.
    if image.format == "JPEG" and not turned and image.mode in ("L", "RGB", "CMYK"):
        # Upright: written again with the file's own quantisation tables and subsampling, so the
        # pixels are kept as they were (no second round of JPEG loss).
        options |= {"quality": "keep", "subsampling": "keep"}
        source = image
    else:
        source = ImageOps.exif_transpose(image) if turned else image.copy()
        if image_format == "JPEG":
            source = source.convert("RGB") if source.mode not in ("L", "RGB") else source
            options["quality"] = JPEG_QUALITY
        elif image_format == "WEBP":
            options |= {"lossless": True} if image.info.get("lossless") else {"quality": JPEG_QUALITY}
    # Nothing else of the original's info (exif, xmp, comments, text chunks) is written; a PNG's
    # transparent colour is part of the picture.
    source.info = {key: value for key, value in image.info.items() if key == "transparency"}
    output = io.BytesIO()
    source.save(output, format=image_format, exif=b"", **options)
    return output.getvalue()
