"""The image cleaner (programme/domain/images.py): any image comes out as an image of the same
size with no metadata; anything else — random bytes, a truncated file, a decompression bomb, a
file too large, a PDF named .jpg — is refused with one line, quickly."""

from __future__ import annotations

import io
import struct
import time
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from caseatlas.errors import CaseAtlasError
from caseatlas.programme.domain.images import MAX_PIXELS, THUMBNAIL, clean_image

GPS = 0x8825  # the EXIF GPS IFD


def exif_with_gps() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0131] = "secret-firmware"  # Software
    exif[GPS] = {1: "N", 2: (39.0, 54.0, 27.0), 3: "E", 4: (116.0, 23.0, 50.0)}
    return exif


def image_bytes(mode: str, size: tuple[int, int], fmt: str, seed: int = 0, exif: bool = True) -> bytes:
    img = Image.new(mode, size)
    # a deterministic pattern: a flat image would hide a codec that drops pixels
    px = [((x * 7 + y * 13 + seed) % 256) for y in range(size[1]) for x in range(size[0])]
    bands = len(img.getbands())
    img.putdata([tuple([v] * bands) if bands > 1 else v for v in px])
    out = io.BytesIO()
    kw = {}
    if exif and fmt in ("JPEG", "PNG", "WEBP"):
        kw["exif"] = exif_with_gps().tobytes()
    if fmt == "PNG":
        from PIL.PngImagePlugin import PngInfo

        info = PngInfo()
        info.add_text("Comment", "位于北京市某路 1 号")
        kw["pnginfo"] = info
    img.save(out, fmt, **kw)
    return out.getvalue()


def assert_clean(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    assert not img.getexif(), img.getexif()
    assert "exif" not in img.info and "Comment" not in img.info and "icc_profile" not in img.info, img.info
    assert b"PhoneMaker" not in data and b"secret-firmware" not in data and "北京".encode() not in data
    return img


MODES = {"JPEG": ["RGB", "L", "CMYK"], "PNG": ["RGB", "RGBA", "L", "LA", "P", "1"], "WEBP": ["RGB", "RGBA"]}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    fmt_mode=st.sampled_from([(f, m) for f, ms in MODES.items() for m in ms]),
    width=st.integers(1, 700),
    height=st.integers(1, 700),
    seed=st.integers(0, 255),
    exif=st.booleans(),
)
def test_any_image_round_trips_to_the_same_size_without_metadata(fmt_mode, width, height, seed, exif):
    fmt, mode = fmt_mode
    data = image_bytes(mode, (width, height), fmt, seed, exif)
    got = clean_image(data, "IMG_0001.anything")
    img = assert_clean(got.data)
    assert (img.width, img.height) == (got.width, got.height) == (width, height)
    assert got.content_type == Image.MIME[img.format]
    thumb = assert_clean(got.thumbnail)
    assert max(thumb.size) == min(THUMBNAIL, max(width, height))
    assert got.thumbnail_type == Image.MIME[thumb.format]
    assert Image.open(io.BytesIO(clean_image(got.data, "again").data)).size == (width, height)  # cleaning twice


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=0, max_size=4096))
def test_random_bytes_are_refused_with_one_line(data):
    try:
        clean_image(data, "photo.jpg")
    except CaseAtlasError as e:
        assert "\n" not in str(e) and str(e).startswith("'photo.jpg'")
    else:  # hypothesis found a valid image in random bytes: it must then be clean
        pass


def test_the_gps_position_of_a_phone_photo_is_gone_and_the_orientation_applied():
    img = Image.new("RGB", (40, 20), (200, 30, 30))
    exif = exif_with_gps()
    exif[0x0112] = 6  # rotate 90° to view: the clean image is stored upright
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif.tobytes())
    raw = out.getvalue()
    assert Image.open(io.BytesIO(raw)).getexif().get_ifd(GPS)  # the file did carry a position
    got = clean_image(raw, "IMG_2031.JPG")
    assert (got.width, got.height) == (20, 40)
    assert_clean(got.data)
    assert got.content_type == "image/jpeg"


def _png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG that claims `width`×`height` (the classic decompression bomb's header)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def _refused(data: bytes, name: str = "x.jpg", **kw) -> str:
    start = time.perf_counter()
    with pytest.raises(CaseAtlasError) as e:
        clean_image(data, name, **kw)
    assert time.perf_counter() - start < 2, "refused before decoding"
    msg = str(e.value)
    assert "\n" not in msg and msg.startswith(f"'{name}'"), msg
    return msg


def test_a_truncated_photo_is_refused_even_after_weasyprint_is_imported():
    """WeasyPrint switches Pillow's truncated-image loading on for the whole process when imported;
    the cleaner must still refuse half a photo (it passed alone and failed after the book tests)."""
    import weasyprint  # noqa: F401
    from PIL import ImageFile

    assert ImageFile.LOAD_TRUNCATED_IMAGES  # the switch as WeasyPrint leaves it
    whole = image_bytes("RGB", (400, 300), "JPEG")
    assert "truncated" in _refused(whole[: len(whole) // 2], "cut.jpg")
    assert ImageFile.LOAD_TRUNCATED_IMAGES  # and as the cleaner leaves it


def test_hostile_files_are_refused_with_one_line_quickly():
    # decompression bombs: a few hundred bytes claiming 100k × 100k pixels, and just above the bound
    assert "pixels" in _refused(_png_header_only(100_000, 100_000), "bomb.png")
    side = int(MAX_PIXELS**0.5) + 1
    assert "pixels" in _refused(_png_header_only(side, side), "bomb2.png")
    # a real photo cut in half
    whole = image_bytes("RGB", (400, 300), "JPEG")
    assert "truncated" in _refused(whole[: len(whole) // 2], "cut.jpg")
    png = image_bytes("RGB", (300, 200), "PNG")
    assert "cannot be read" in _refused(png[: len(png) // 2], "cut.png")
    # not images, whatever their names say
    assert "not an image" in _refused(b"%PDF-1.7\n1 0 obj<<>>endobj\n", "scan.jpg")
    assert "not an image" in _refused(b"<svg xmlns='http://www.w3.org/2000/svg'><script/></svg>", "x.png")
    assert "not an image" in _refused(b"\xff\xd8\xff" + b"\x00" * 64, "magic-only.jpg")
    assert "empty" in _refused(b"", "empty.jpg")
    # too large, before anything is decoded
    assert "larger than" in _refused(whole, "big.jpg", max_bytes=1024)
    # a PNG with a script appended after IEND: the clean copy has none of it
    tail = png + b"<script>alert(1)</script>"
    assert b"script" not in clean_image(tail, "tail.png").data
    # an image type not taken (Photoshop, icons…): refused by name of what it is
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, "ICO")
    assert "not taken" in _refused(out.getvalue(), "x.jpg")
