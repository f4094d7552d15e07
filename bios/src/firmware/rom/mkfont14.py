#!/usr/bin/env python3
"""Make font8x14.inc from font8x16.inc: each 8x16 glyph without its first and
last rows (the X11 misc-fixed glyphs draw within rows 1-14, except box and
block characters, which stay continuous)."""
import os
here = os.path.dirname(os.path.abspath(__file__))
out = ['; 8x14 font: font8x16.inc without rows 0 and 15, by mkfont14.py\n']
for line in open(os.path.join(here, 'font8x16.inc')):
    if not line.startswith('db '):
        continue
    data, comment = line.split(';')
    b = data[3:].strip().split(',')
    out.append('db ' + ','.join(b[1:15]) + ' ;' + comment)
open(os.path.join(here, 'font8x14.inc'), 'w').write(''.join(out))
