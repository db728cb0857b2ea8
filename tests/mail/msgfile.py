#!/usr/bin/env python3
"""Write an Outlook .msg file ([MS-CFB] version 3, [MS-OXMSG]) from a JSON
description, for the tests of padseal's .msg reader:

  {"class": "IPM.Note.SMIME", "subject": "...", "sender_name": "...",
   "sender_smtp": "a@b", "submit_time": 1780000000, "body": "...",
   "headers": "From: ...\\r\\n...",            (transport headers, optional)
   "recipients": [{"smtp": "x@y", "name": "X", "type": 1}, ...],
   "attachment_file": "PATH"}                 (its bytes: PR_ATTACH_DATA_BIN)

Usage: msgfile.py SPEC.json OUT.msg.  Written from the published formats;
a storage's children are chained through their right siblings, which is a
valid (if unbalanced) tree."""
import json
import struct
import sys

SECTOR = 512
MINI = 64
CUTOFF = 4096
END, FREE, FATSECT = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD
NOSTREAM = 0xFFFFFFFF


def utf16(s):
    return s.encode("utf-16-le") + b"\0\0"


class Entry:
    def __init__(self, name, kind, data=b""):
        self.name, self.kind, self.data = name, kind, data
        self.children = []
        self.start, self.size = END, len(data)


def storage_props(header_len, fixed):
    """__properties_version1.0: a header, then 16-byte tag/flags/value."""
    out = bytearray(header_len)
    for tag, value in fixed:
        out += struct.pack("<IIQ", tag, 6, value)
    return bytes(out)


def build(spec):
    root = Entry("Root Entry", 5)

    def prop(parent, pid, value):
        if isinstance(value, bytes):
            parent.children.append(Entry("__substg1.0_%04X0102" % pid, 2, value))
        else:
            parent.children.append(Entry("__substg1.0_%04X001F" % pid, 2, utf16(value)[:-2]))

    prop(root, 0x001A, spec.get("class", "IPM.Note"))
    for key, pid in (("subject", 0x0037), ("sender_name", 0x0C1A), ("sender_smtp", 0x5D01),
                     ("body", 0x1000), ("headers", 0x007D), ("message_id", 0x1035)):
        if key in spec:
            prop(root, pid, spec[key])
    fixed = []
    if "submit_time" in spec:
        fixed.append((0x00390040, (spec["submit_time"] + 11644473600) * 10000000))
    root.children.append(Entry("__properties_version1.0", 2, storage_props(32, fixed)))
    for i, r in enumerate(spec.get("recipients", [])):
        st = Entry("__recip_version1.0_#%08X" % i, 1)
        prop(st, 0x39FE, r["smtp"])
        if "name" in r:
            prop(st, 0x3001, r["name"])
        st.children.append(Entry("__properties_version1.0", 2,
                                 storage_props(8, [(0x0C150003, r.get("type", 1))])))
        root.children.append(st)
    if "attachment_file" in spec:
        st = Entry("__attach_version1.0_#00000000", 1)
        with open(spec["attachment_file"], "rb") as f:
            prop(st, 0x3701, f.read())
        root.children.append(st)
    return root


def flatten(root):
    entries, todo = [], [root]
    while todo:
        e = todo.pop(0)
        entries.append(e)
        todo.extend(e.children)
    return entries


def write(root, out):
    entries = flatten(root)
    index = {id(e): i for i, e in enumerate(entries)}
    # The mini stream: every stream under the cutoff, in 64-byte sectors.
    mini, minifat = bytearray(), []
    for e in entries:
        if e.kind == 2 and e.size < CUTOFF and e.size > 0:
            e.start = len(mini) // MINI
            n = (e.size + MINI - 1) // MINI
            minifat += [e.start + k + 1 for k in range(n - 1)] + [END]
            mini += e.data + b"\0" * (n * MINI - e.size)
    root.data, root.size = bytes(mini), len(mini)
    # Regular sectors: directory, mini FAT, mini stream, big streams.
    chunks = []  # (entry or name, bytes)
    dirbytes = bytearray()
    chunks.append(("dir", None))
    mf = b"".join(struct.pack("<I", x) for x in minifat)
    chunks.append(("minifat", mf))
    chunks.append(("mini", bytes(mini)))
    for e in entries:
        if e.kind == 2 and e.size >= CUTOFF:
            chunks.append((e, e.data))
    ndir_sectors = (len(entries) * 128 + SECTOR - 1) // SECTOR

    def nsec(b):
        return (len(b) + SECTOR - 1) // SECTOR

    sizes = [ndir_sectors if c[0] == "dir" else nsec(c[1]) for c in chunks]
    data_sectors = sum(sizes)
    nfat = 1
    while nfat * (SECTOR // 4) < nfat + data_sectors:
        nfat += 1
    fat = [FATSECT] * nfat
    starts = {}
    pos = nfat
    for c, n in zip(chunks, sizes):
        key = c[0] if isinstance(c[0], str) else id(c[0])
        starts[key] = pos if n else END
        for k in range(n):
            fat.append(pos + k + 1 if k < n - 1 else END)
        pos += n
    fat += [FREE] * (nfat * (SECTOR // 4) - len(fat))
    root.start = starts["mini"] if mini else END
    for e in entries:
        if e.kind == 2 and e.size >= CUTOFF:
            e.start = starts[id(e)]
    for e in entries:
        name = utf16(e.name)
        kids = e.children
        child = index[id(kids[0])] if kids else NOSTREAM
        d = bytearray(128)
        d[0:len(name)] = name
        struct.pack_into("<HBB", d, 0x40, len(name), e.kind, 1)
        struct.pack_into("<III", d, 0x44, NOSTREAM, NOSTREAM, child)
        struct.pack_into("<II", d, 0x74, e.start, e.size)
        dirbytes += d
    # Siblings: each child's right sibling is the next child.
    for e in entries:
        for a, b in zip(e.children, e.children[1:]):
            struct.pack_into("<I", dirbytes, index[id(a)] * 128 + 0x48, index[id(b)])
    head = bytearray(SECTOR)
    head[0:8] = bytes.fromhex("D0CF11E0A1B11AE1")
    struct.pack_into("<HHHHH", head, 0x18, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<I", head, 0x2C, nfat)
    struct.pack_into("<I", head, 0x30, starts["dir"])
    struct.pack_into("<I", head, 0x38, CUTOFF)
    struct.pack_into("<II", head, 0x3C, starts["minifat"] if minifat else END,
                     (len(mf) + SECTOR - 1) // SECTOR)
    struct.pack_into("<II", head, 0x44, END, 0)
    difat = list(range(nfat)) + [FREE] * (109 - nfat)
    struct.pack_into("<109I", head, 0x4C, *difat)
    body = bytearray(head)
    body += b"".join(struct.pack("<I", x) for x in fat)
    for c, n in zip(chunks, sizes):
        b = bytes(dirbytes) if c[0] == "dir" else c[1]
        body += b + b"\0" * (n * SECTOR - len(b))
    out.write(body)


def main():
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    with open(sys.argv[2], "wb") as out:
        write(build(spec), out)


if __name__ == "__main__":
    main()
