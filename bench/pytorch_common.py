"""Pieces the PyTorch reference scripts of `npm run bench` share (imported from the bench folder)."""
import time


def best(fn, repeat):
    """Best wall time in seconds of `repeat` runs after one warm-up run."""
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def clipseg_decoder(acts, cond, reduces, layers, film_mul, film_add, head, side):
    """CLIPSeg's decoder: reduce and add the activations deepest first, FiLM at step 0, then the head."""
    out = None
    for i, (a, r, layer) in enumerate(zip(acts[::-1], reduces, layers)):
        out = r(a) if out is None else r(a) + out
        if i == 0:
            out = film_mul(cond)[:, None] * out + film_add(cond)[:, None]
        out = layer(out)
    b, _, width = out.shape
    return head(out[:, 1:].transpose(1, 2).reshape(b, width, side, side))
