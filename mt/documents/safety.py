"""Checks before a document is parsed: the content matches the suffix, no encrypted container, no zip bomb."""

from __future__ import annotations

import io
import zipfile

from mt.documents.base import DocumentError

CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE compound file: legacy .doc/.ppt, or an encrypted .docx/.pptx
MAX_UNZIPPED = 256 * 2**20  # bytes all members of a container may expand to
MAX_RATIO = 200  # expansion of the whole container; ordinary Office files stay under 20
MAX_MEMBERS = 20_000
ZIP_FORMATS = {".docx": ("word/document.xml", "a Word document"),
               ".pptx": ("ppt/presentation.xml", "a PowerPoint presentation"),
               ".odt": ("content.xml", "an OpenDocument text"),
               ".odp": ("content.xml", "an OpenDocument presentation"),
               ".epub": ("META-INF/container.xml", "an EPUB book")}
ODF_MIMETYPES = {".odt": b"application/vnd.oasis.opendocument.text",
                 ".odp": b"application/vnd.oasis.opendocument.presentation"}


def sniff(data: bytes) -> str:
    """What the bytes are: 'zip', 'pdf', 'cfb' or 'text'."""
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        return "zip"
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if data.startswith(CFB_MAGIC):
        return "cfb"
    return "text"


def check_content(data: bytes, name: str, suffix: str) -> None:
    """DocumentError when the bytes are not what the suffix says, encrypted, or a zip bomb."""
    kind = sniff(data)
    if kind == "cfb":
        raise DocumentError(name, "is an encrypted (password-protected) Office file or a legacy .doc/.ppt/.xls: "
                                  "remove the password, or save it as .docx/.pptx, and try again")
    expected = "zip" if suffix in ZIP_FORMATS else "pdf" if suffix == ".pdf" else "text"
    if kind != expected:
        what = {"zip": "a zip container (.docx .pptx .odt .odp .epub)", "pdf": "a PDF",
                "text": "not a zip container" if expected == "zip" else "not a PDF"}[kind]
        raise DocumentError(name, f"the content does not match the suffix {suffix}: it is {what}")
    if kind == "zip":
        check_zip(data, name, suffix)


def check_zip(data: bytes, name: str, suffix: str) -> None:
    """A readable zip with the format's main member, no encrypted member and a sane expansion."""
    archive = open_zip(data, name)
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_MEMBERS:
            raise DocumentError(name, f"the zip container has {len(infos)} members, the limit is {MAX_MEMBERS}")
        total = sum(info.file_size for info in infos)
        if total > MAX_UNZIPPED or total > MAX_RATIO * max(len(data), 1):
            raise DocumentError(name, f"refused as a zip bomb: it would expand to {total:,} bytes from "
                                      f"{len(data):,} (limits: {MAX_UNZIPPED:,} bytes, ratio {MAX_RATIO})")
        if any(info.flag_bits & 0x1 for info in infos):
            raise DocumentError(name, "the zip container is encrypted: remove the password and try again")
        member, what = ZIP_FORMATS[suffix]
        names = set(archive.namelist())
        if member not in names:
            raise DocumentError(name, f"is not {what} (no {member} in the container): check the suffix")
        if suffix in ODF_MIMETYPES and "mimetype" in names:
            mimetype = archive.read("mimetype").strip()
            if mimetype != ODF_MIMETYPES[suffix]:
                raise DocumentError(name, f"is {mimetype.decode('ascii', 'replace')}, not {what}: check the suffix")
        if suffix in ODF_MIMETYPES and "META-INF/manifest.xml" in names \
                and b"encryption-data" in archive.read("META-INF/manifest.xml"):
            raise DocumentError(name, "is an encrypted (password-protected) OpenDocument file: "
                                      "remove the password and try again")


def open_zip(data: bytes, name: str) -> zipfile.ZipFile:
    """The zip container, or DocumentError for a corrupt one."""
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise DocumentError(name, f"corrupt zip container ({exc})") from None


def read_member(archive: zipfile.ZipFile, member: str, name: str) -> bytes:
    """One member's bytes, or DocumentError when it is missing or damaged."""
    try:
        return archive.read(member)
    except KeyError:
        raise DocumentError(name, f"the container has no {member}") from None
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError) as exc:
        raise DocumentError(name, f"corrupt zip member {member} ({exc})") from None


def rebuild_zip(data: bytes, replaced: dict[str, bytes]) -> bytes:
    """The same container with some members' bytes replaced; order, names and compression kept
    (so an ODF/EPUB `mimetype` stays first and stored)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, replaced.get(info.filename, src.read(info.filename)))
    return out.getvalue()


def xml_parser():
    """An lxml parser that never resolves entities or reaches the network (no XXE, no billion laughs)."""
    from lxml import etree

    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_blank_text=False)


def parse_xml(raw: bytes, name: str, member: str):
    """An lxml tree of one XML member, or DocumentError naming it."""
    from lxml import etree

    try:
        return etree.fromstring(raw, xml_parser())
    except etree.XMLSyntaxError as exc:
        raise DocumentError(name, f"{member} is not well-formed XML ({exc})") from None
