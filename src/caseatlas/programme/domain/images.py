"""Photos people upload (a site visit's evidence, an applicant's final photos), made safe to keep
and to show: the type is read from the content (never the file's name), the size and the pixel
count are bounded before anything is decoded, the picture is decoded in full (a truncated or
corrupt file is refused, not stored half-read), then drawn into a fresh image and encoded again —
so nothing of the original file travels on: no EXIF (a phone's GPS position, the camera's serial
number), no XMP, no comments, no ICC profile, no trailing bytes after the image. A thumbnail is
made from the same pixels.

One function, `clean_image`; every refusal is a one-line `CaseAtlasError` naming the file."""

from __future__ import annotations

import io
import threading
import warnings
from dataclasses import dataclass

from PIL import Image, ImageFile, ImageOps

from ...errors import CaseAtlasError

MAX_BYTES = 15 * 1024 * 1024  # a phone's photo is 2–8 MB; a scan at 600 dpi stays under this
# Pixels decoded at most: 50 MP covers today's phone cameras, and decodes to ~150 MB of RGB — far
# below what Pillow's own guard (MAX_IMAGE_PIXELS, ~89 MP, an error only at twice that) allows.
MAX_PIXELS = 50_000_000
THUMBNAIL = 320  # longest side of a thumbnail, in pixels (a grid of evidence on a page)
JPEG_QUALITY = 88  # visually lossless for photos; re-encoding never keeps the original's bytes
# What may come in (Pillow's format names, read from the content) → the format kept.
FORMATS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "PNG", "GIF": "PNG", "BMP": "PNG", "TIFF": "PNG", "MPO": "JPEG"}
CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png"}


@dataclass(frozen=True, slots=True)
class CleanImage:
    data: bytes  # the image encoded again, nothing of the original's metadata
    content_type: str  # image/jpeg or image/png
    width: int  # as displayed (a camera's orientation tag applied)
    height: int
    thumbnail: bytes
    thumbnail_type: str

    @property
    def extension(self) -> str:
        return ".jpg" if self.content_type == "image/jpeg" else ".png"


def _refuse(filename: str, why: str) -> CaseAtlasError:
    return CaseAtlasError(f"'{filename}': {why}")


def _has_alpha(img: Image.Image) -> bool:
    return img.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (img.mode == "P" and "transparency" in img.info)


def _pixels(img: Image.Image, keep_alpha: bool) -> Image.Image:
    """The picture alone, in a mode its output format stores: a fresh image, so no `info`
    (exif, icc_profile, comments, text chunks, dpi) of the decoded one is carried along."""
    if keep_alpha:
        mode = "RGBA"
    elif img.mode in ("1", "L"):
        mode = "L"
    elif img.mode in ("I", "I;16", "I;16B", "I;16L", "F"):  # 16/32-bit grey, scaled to 8 bits as viewers show it
        img, mode = img.convert("I").point(lambda v: v * (1 / 256)), "L"
    else:
        mode = "RGB"
    shown = img.convert(mode)
    return Image.frombytes(shown.mode, shown.size, shown.tobytes())


def _encode(img: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    if fmt == "JPEG":
        img.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    else:
        img.save(out, "PNG", optimize=False)
    return out.getvalue()


# Pillow's "load truncated images" is one switch for the whole process, and WeasyPrint turns it on
# when it is imported (the book and the proofs import it): a half photo would then decode grey-filled
# without an error. Our load sets it off for its own decode, under a lock so two uploads never
# interleave; the images a book prints have all passed here, so WeasyPrint never needs it on for them.
_STRICT = threading.Lock()


def _load_strictly(img: Image.Image) -> None:
    with _STRICT:
        before = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            img.load()
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = before


def clean_image(data: bytes, filename: str, max_bytes: int = MAX_BYTES) -> CleanImage:
    """`data` as a clean image and its thumbnail, or a one-line refusal: not an image (whatever
    the name says), an image type not taken, larger than `max_bytes`, more than `MAX_PIXELS`
    pixels (a decompression bomb: a few KB that decode to gigabytes), truncated or corrupt."""
    name = (filename or "image").replace("\n", " ").replace("\r", " ")[:120]
    if not data:
        raise _refuse(name, "the file is empty")
    if len(data) > max_bytes:
        raise _refuse(name, f"larger than {max_bytes / (1024 * 1024):.0f} MB")
    with warnings.catch_warnings():
        # Pillow warns past MAX_IMAGE_PIXELS and only fails at twice that: here both are refusals.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            img = Image.open(io.BytesIO(data))  # reads the header only
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _refuse(name, f"refused: the image has more than {MAX_PIXELS:,} pixels") from None
        except Exception:  # Pillow's decoders raise many types on hostile bytes; every one is "not an image"
            raise _refuse(name, "not an image (JPEG, PNG or WebP)") from None
        try:
            fmt = FORMATS.get(img.format or "")
            if fmt is None:
                raise _refuse(name, f"{img.format or 'this'} images are not taken: use JPEG, PNG or WebP")
            width, height = img.size
            if width < 1 or height < 1:
                raise _refuse(name, "not an image (no pixels)")
            if width * height > MAX_PIXELS:
                raise _refuse(
                    name, f"refused: {width}×{height} pixels is more than {MAX_PIXELS:,} (a decompression bomb?)"
                )
            try:
                _load_strictly(img)  # decode all of it now: a truncated file fails here, never later on a page
                img = ImageOps.exif_transpose(img)  # as the camera meant it to be seen, before its tag goes
                alpha = _has_alpha(img)
                if alpha and fmt == "JPEG":
                    fmt = "PNG"
                clean = _pixels(img, alpha)
            except CaseAtlasError:
                raise
            except (Image.DecompressionBombError, Image.DecompressionBombWarning):
                raise _refuse(name, f"refused: the image has more than {MAX_PIXELS:,} pixels") from None
            except MemoryError:
                raise _refuse(name, "refused: the image is too large to decode") from None
            except Exception as exc:
                why = "truncated" if "truncated" in str(exc) else "corrupt or truncated"
                raise _refuse(name, f"the image is {why} and cannot be read") from None
        finally:
            img.close()
    thumb = clean.copy()
    thumb.thumbnail((THUMBNAIL, THUMBNAIL), Image.Resampling.LANCZOS)
    return CleanImage(
        data=_encode(clean, fmt),
        content_type=CONTENT_TYPES[fmt],
        width=clean.width,
        height=clean.height,
        thumbnail=_encode(thumb, fmt),
        thumbnail_type=CONTENT_TYPES[fmt],
    )
