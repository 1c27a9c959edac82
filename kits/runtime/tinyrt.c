/* tinyrt kernels; see tinyrt.h. Integer arithmetic only, C99, no allocation. */
#include "tinyrt.h"

#define ADD_LEFT_SHIFT 20

static int32_t srdhm(int32_t a, int32_t b)
{
    int64_t ab, nudge;
    if (a == INT32_MIN && b == INT32_MIN) {
        return INT32_MAX;
    }
    ab = (int64_t)a * (int64_t)b;
    nudge = ab >= 0 ? ((int64_t)1 << 30) : (1 - ((int64_t)1 << 30));
    return (int32_t)((ab + nudge) / ((int64_t)1 << 31));
}

static int32_t rdbpot(int32_t x, int32_t e)
{
    int32_t mask = (int32_t)(((int64_t)1 << e) - 1);
    int32_t rem = x & mask;
    int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> e) + (rem > threshold ? 1 : 0);
}

int32_t trt_mbqm(int32_t x, int32_t mult, int32_t shift)
{
    int32_t left = shift > 0 ? shift : 0;
    int32_t right = shift > 0 ? 0 : -shift;
    int64_t s = (int64_t)x * ((int64_t)1 << left);
    if (s > INT32_MAX) {
        s = INT32_MAX;
    } else if (s < INT32_MIN) {
        s = INT32_MIN;
    }
    return rdbpot(srdhm((int32_t)s, mult), right);
}

static int8_t clamp8(int32_t v, int32_t lo, int32_t hi)
{
    return (int8_t)(v < lo ? lo : (v > hi ? hi : v));
}

int8_t *trt_tensor_data(const trt_model *m, int8_t *arena, uint8_t tensor)
{
    return arena + m->tensors[tensor].offset;
}

uint32_t trt_tensor_size(const trt_model *m, uint8_t tensor)
{
    const trt_tensor *t = &m->tensors[tensor];
    return (uint32_t)t->c * t->h * t->w;
}

/* Sum of (x - zp) * w over one output pixel's window; depthwise reads one input channel.
 * The window is clipped to the input once (padding contributes zero), so the inner loop has no
 * bounds checks. */
static int32_t window_dot(const int8_t *x, const trt_tensor *ti, const trt_op *op,
                          const int8_t *w, int ic, int oy, int ox)
{
    int32_t acc = 0, ky, kx, zp = ti->zero_point;
    int32_t y0 = oy * op->sh - op->ph, x0 = ox * op->sw - op->pw;
    int32_t ky0 = y0 < 0 ? -y0 : 0, kx0 = x0 < 0 ? -x0 : 0;
    int32_t ky1 = ti->h - y0 < op->kh ? ti->h - y0 : op->kh;
    int32_t kx1 = ti->w - x0 < op->kw ? ti->w - x0 : op->kw;
    for (ky = ky0; ky < ky1; ky++) {
        /* both pointers start at the first in-bounds element of this window row */
        const int8_t *row = x + (ic * ti->h + y0 + ky) * ti->w + x0 + kx0;
        const int8_t *wr = w + ky * op->kw + kx0;
        for (kx = 0; kx < kx1 - kx0; kx++) {
            acc += ((int32_t)row[kx] - zp) * (int32_t)wr[kx];
        }
    }
    return acc;
}

static void conv2d(const trt_op *op, const trt_tensor *ti, const trt_tensor *to,
                   const int8_t *x, int8_t *y, int depthwise)
{
    int oc, oy, ox, ic;
    int32_t ksize = op->kh * op->kw;
    for (oc = 0; oc < to->c; oc++) {
        for (oy = 0; oy < to->h; oy++) {
            for (ox = 0; ox < to->w; ox++) {
                int32_t acc = op->bias[oc];
                if (depthwise) {
                    acc += window_dot(x, ti, op, op->weights + oc * ksize, oc, oy, ox);
                } else {
                    for (ic = 0; ic < ti->c; ic++) {
                        acc += window_dot(x, ti, op, op->weights + (oc * ti->c + ic) * ksize,
                                          ic, oy, ox);
                    }
                }
                acc = trt_mbqm(acc, op->mult[oc], op->shift[oc]) + to->zero_point;
                y[(oc * to->h + oy) * to->w + ox] = clamp8(acc, op->act_min, op->act_max);
            }
        }
    }
}

static void dense(const trt_op *op, const trt_tensor *ti, const trt_tensor *to,
                  const int8_t *x, int8_t *y)
{
    int32_t n_in = (int32_t)ti->c * ti->h * ti->w, o, i;
    for (o = 0; o < to->c; o++) {
        int32_t acc = op->bias[o];
        const int8_t *w = op->weights + o * n_in;
        for (i = 0; i < n_in; i++) {
            acc += ((int32_t)x[i] - ti->zero_point) * (int32_t)w[i];
        }
        acc = trt_mbqm(acc, op->mult[o], op->shift[o]) + to->zero_point;
        y[o] = clamp8(acc, op->act_min, op->act_max);
    }
}

/* Max or rounded average of each window; padding is skipped for max, zero for the sum. */
static void pool(const trt_op *op, const trt_tensor *ti, const trt_tensor *to,
                 const int8_t *x, int8_t *y, int is_max)
{
    int c, oy, ox, ky, kx;
    int32_t count = op->kh * op->kw;
    for (c = 0; c < to->c; c++) {
        for (oy = 0; oy < to->h; oy++) {
            for (ox = 0; ox < to->w; ox++) {
                int32_t best = -128, sum = 0, v;
                for (ky = 0; ky < op->kh; ky++) {
                    for (kx = 0; kx < op->kw; kx++) {
                        int32_t iy = oy * op->sh - op->ph + ky, ix = ox * op->sw - op->pw + kx;
                        if (iy < 0 || iy >= ti->h || ix < 0 || ix >= ti->w) {
                            continue;
                        }
                        v = x[(c * ti->h + iy) * ti->w + ix];
                        sum += v;
                        best = v > best ? v : best;
                    }
                }
                if (!is_max) {
                    int32_t biased = sum > 0 ? sum + count / 2 : sum - count / 2;
                    best = biased / count;
                }
                y[(c * to->h + oy) * to->w + ox] = clamp8(best, -128, 127);
            }
        }
    }
}

static void add(const trt_op *op, const trt_tensor *ta, const trt_tensor *tb,
                const trt_tensor *to, const int8_t *a, const int8_t *b, int8_t *y, uint32_t n)
{
    const int32_t *p = op->params;
    uint32_t i;
    for (i = 0; i < n; i++) {
        int32_t xa = ((int32_t)a[i] - ta->zero_point) * (1 << ADD_LEFT_SHIFT);
        int32_t xb = ((int32_t)b[i] - tb->zero_point) * (1 << ADD_LEFT_SHIFT);
        int32_t s = trt_mbqm(xa, p[0], p[1]) + trt_mbqm(xb, p[2], p[3]);
        y[i] = clamp8(trt_mbqm(s, p[4], p[5]) + to->zero_point, -128, 127);
    }
}

static void softmax(const trt_op *op, const int8_t *x, int8_t *y, uint32_t n)
{
    int32_t mx = -128;
    int64_t total = 0, p;
    uint32_t i;
    for (i = 0; i < n; i++) {
        mx = x[i] > mx ? x[i] : mx;
    }
    for (i = 0; i < n; i++) {
        total += op->table[mx - x[i]];
    }
    for (i = 0; i < n; i++) {
        p = (((int64_t)op->table[mx - x[i]] << 8) + total / 2) / total;
        y[i] = (int8_t)((p > 255 ? 255 : p) - 128);
    }
}

static void copy_clamp(const int8_t *x, int8_t *y, uint32_t n, int32_t lo, int32_t hi)
{
    uint32_t i;
    for (i = 0; i < n; i++) {
        y[i] = clamp8(x[i], lo, hi);
    }
}

int trt_invoke(const trt_model *m, int8_t *arena)
{
    uint16_t k;
    for (k = 0; k < m->n_ops; k++) {
        const trt_op *op = &m->ops[k];
        const trt_tensor *ti = &m->tensors[op->in0], *to = &m->tensors[op->out];
        const int8_t *x = arena + ti->offset;
        int8_t *y = arena + to->offset;
        uint32_t n = trt_tensor_size(m, op->out);
        switch (op->op) {
        case TRT_CONV2D: conv2d(op, ti, to, x, y, 0); break;
        case TRT_DWCONV2D: conv2d(op, ti, to, x, y, 1); break;
        case TRT_DENSE: dense(op, ti, to, x, y); break;
        case TRT_AVGPOOL: pool(op, ti, to, x, y, 0); break;
        case TRT_MAXPOOL: pool(op, ti, to, x, y, 1); break;
        case TRT_RELU:
        case TRT_RELU6: copy_clamp(x, y, n, op->act_min, op->act_max); break;
        case TRT_RESHAPE: copy_clamp(x, y, n, -128, 127); break;
        case TRT_ADD:
            add(op, ti, &m->tensors[op->in1], to, x, arena + m->tensors[op->in1].offset, y, n);
            break;
        case TRT_SOFTMAX: softmax(op, x, y, n); break;
        default: return k + 1;
        }
    }
    return 0;
}
