#!/usr/bin/env python3
"""Make the ROM's fonts (font8x16.inc, font8x8.inc) in code page 437 order from
a PSF console font with a Unicode table, e.g. Debian console-setup-linux's
Uni2-Fixed16.psf.gz (the X11 "misc-fixed" 8x16 glyphs, public domain).
The 8x8 font is the 8x16 one with each pair of rows ORed together.

    python3 mkfont.py /usr/share/consolefonts/Uni2-Fixed16.psf.gz
"""
import gzip, struct, sys, os

# CP437 0x00-0x1F and 0x7F as graphics (IBM PC character set).
LOW = [0x0000, 0x263A, 0x263B, 0x2665, 0x2666, 0x2663, 0x2660, 0x2022, 0x25D8, 0x25CB,
       0x25D9, 0x2642, 0x2640, 0x266A, 0x266B, 0x263C, 0x25BA, 0x25C4, 0x2195, 0x203C,
       0x00B6, 0x00A7, 0x25AC, 0x21A8, 0x2191, 0x2193, 0x2192, 0x2190, 0x221F, 0x2194,
       0x25B2, 0x25BC]

def cp437(c):
    if c < 0x20:
        return LOW[c]
    if c == 0x7F:
        return 0x2302
    return ord(bytes([c]).decode('cp437'))

def load(path):
    data = gzip.open(path).read() if path.endswith('.gz') else open(path, 'rb').read()
    if data[:4] == b'\x72\xb5\x4a\x86':
        _, _, hsize, flags, n, size, h, w = struct.unpack('<8I', data[:32])
        glyphs = [data[hsize + i * size: hsize + (i + 1) * size] for i in range(n)]
        table = data[hsize + n * size:]
        umap = {}
        g = 0
        i = 0
        while i < len(table) and g < n:
            b = table[i]
            if b == 0xFF:
                g += 1
                i += 1
            elif b == 0xFE:
                i += 1
                while i < len(table) and table[i] not in (0xFE, 0xFF):
                    i += 1
            else:
                j = i + 1
                while j < len(table) and (table[j] & 0xC0) == 0x80:
                    j += 1
                umap.setdefault(ord(table[i:j].decode('utf-8')), g)
                i = j
        return glyphs, umap, h
    if data[:2] == b'\x36\x04':
        mode, h = data[2], data[3]
        n = 512 if mode & 1 else 256
        glyphs = [data[4 + i * h: 4 + (i + 1) * h] for i in range(n)]
        table = data[4 + n * h:]
        umap = {}
        for g in range(n):
            pass
        g = 0
        for k in range(0, len(table) - 1, 2):
            u = struct.unpack('<H', table[k:k + 2])[0]
            if u == 0xFFFF:
                g += 1
            elif u != 0xFFFE:
                umap.setdefault(u, g)
        return glyphs, umap, h
    sys.exit('not a PSF font')

glyphs, umap, h = load(sys.argv[1])
if h != 16:
    sys.exit('need an 8x16 font')
out16 = []
for c in range(256):
    g = umap.get(cp437(c))
    out16.append(bytes(glyphs[g][:16]) if g is not None and c else bytes(16))
# Block elements the font may lack, drawn here.
SYNTH = {
    0xB2: bytes([0xDD, 0x77] * 8),            # dark shade
    0xDC: bytes([0] * 8 + [0xFF] * 8),        # lower half block
    0xDD: bytes([0xF0] * 16),                 # left half block
    0xDE: bytes([0x0F] * 16),                 # right half block
    0xDF: bytes([0xFF] * 8 + [0] * 8),        # upper half block
}
for c, g in SYNTH.items():
    if umap.get(cp437(c)) is None:
        out16[c] = g
here = os.path.dirname(os.path.abspath(__file__))
src = os.path.basename(sys.argv[1])
with open(os.path.join(here, 'font8x16.inc'), 'w') as f:
    f.write(f'; 8x16 font, code page 437 order, from {src} by mkfont.py\n')
    for c, g in enumerate(out16):
        f.write('db ' + ','.join(f'0x{b:02X}' for b in g) + f' ; {c:02X}\n')
with open(os.path.join(here, 'font8x8.inc'), 'w') as f:
    f.write(f'; 8x8 font: the 8x16 font ({src}) with row pairs ORed, by mkfont.py\n')
    for c, g in enumerate(out16):
        g8 = [g[2 * i] | g[2 * i + 1] for i in range(8)]
        f.write('db ' + ','.join(f'0x{b:02X}' for b in g8) + f' ; {c:02X}\n')
missing = [c for c in range(1, 256) if umap.get(cp437(c)) is None and c not in SYNTH]
print(f'{256 - len(missing)} glyphs, missing: {[hex(c) for c in missing]}')
