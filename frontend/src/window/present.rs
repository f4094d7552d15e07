//! Fitting a guest frame into the window: aspect-correct (square guest
//! pixels, as QEMU shows them), integer scaling whenever the frame fits at
//! least once, nearest-neighbour down-scaling when the window is smaller
//! than the frame, centred on black.

/// Where the scaled frame lies in the window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Placement {
    pub x: usize,
    pub y: usize,
    pub w: usize,
    pub h: usize,
}

/// The placement of a `fw`×`fh` frame in a `ww`×`wh` window.
pub fn place(fw: usize, fh: usize, ww: usize, wh: usize) -> Placement {
    if fw == 0 || fh == 0 || ww == 0 || wh == 0 {
        return Placement {
            x: 0,
            y: 0,
            w: 0,
            h: 0,
        };
    }
    let k = (ww / fw).min(wh / fh);
    let (w, h) = if k >= 1 {
        (fw * k, fh * k)
    } else if ww * fh <= wh * fw {
        // Width-limited.
        (ww, (fh * ww / fw).max(1))
    } else {
        ((fw * wh / fh).max(1), wh)
    };
    Placement {
        x: (ww - w) / 2,
        y: (wh - h) / 2,
        w,
        h,
    }
}

/// Draw the `fw`×`fh` frame `src` into the `ww`×`wh` window buffer `dst`
/// (resized as needed), scaled as [`place`] says, black around it.
pub fn compose(src: &[u32], fw: usize, fh: usize, ww: usize, wh: usize, dst: &mut Vec<u32>) {
    dst.clear();
    dst.resize(ww * wh, 0);
    if src.len() < fw * fh {
        return;
    }
    let p = place(fw, fh, ww, wh);
    if p.w == 0 || p.h == 0 {
        return;
    }
    let cols: Vec<usize> = (0..p.w).map(|x| x * fw / p.w).collect();
    for y in 0..p.h {
        let sy = y * fh / p.h;
        let row = &src[sy * fw..(sy + 1) * fw];
        let start = (p.y + y) * ww + p.x;
        let out = &mut dst[start..start + p.w];
        for (o, &c) in out.iter_mut().zip(&cols) {
            *o = row[c];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placements() {
        let p = |x, y, w, h| Placement { x, y, w, h };
        let cases = [
            // 720×400 text in 800×600: once, centred.
            ((720, 400, 800, 600), p(40, 100, 720, 400)),
            // 320×200 in 800×600: twice (integer).
            ((320, 200, 800, 600), p(80, 100, 640, 400)),
            // Exactly 2×.
            ((640, 480, 1280, 960), p(0, 0, 1280, 960)),
            // Too small a window: aspect-correct down-scale.
            ((1024, 768, 800, 600), p(0, 0, 800, 600)),
            ((640, 480, 320, 400), p(0, 80, 320, 240)),
            ((640, 480, 800, 300), p(200, 0, 400, 300)),
            ((0, 0, 800, 600), p(0, 0, 0, 0)),
        ];
        for ((fw, fh, ww, wh), want) in cases {
            assert_eq!(place(fw, fh, ww, wh), want, "{fw}x{fh} in {ww}x{wh}");
        }
    }

    #[test]
    fn compose_scales_pixels_and_blacks_the_border() {
        // 2×2 frame into a 6×5 window: scale 2, at (1, 0).
        let src = [1, 2, 3, 4];
        let mut dst = Vec::new();
        compose(&src, 2, 2, 6, 5, &mut dst);
        #[rustfmt::skip]
        let want = [
            0, 1, 1, 2, 2, 0,
            0, 1, 1, 2, 2, 0,
            0, 3, 3, 4, 4, 0,
            0, 3, 3, 4, 4, 0,
            0, 0, 0, 0, 0, 0,
        ];
        assert_eq!(dst, want);
        // Down-scale 4×2 → 2×1: every other pixel of the first row.
        let src = [1, 2, 3, 4, 5, 6, 7, 8];
        compose(&src, 4, 2, 2, 1, &mut dst);
        assert_eq!(dst, [1, 3]);
        // A short source is not read out of bounds.
        compose(&src[..3], 4, 2, 2, 1, &mut dst);
        assert_eq!(dst, [0, 0]);
    }
}
