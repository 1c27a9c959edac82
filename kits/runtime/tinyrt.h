/* tinyrt: a small int8 inference runtime in portable C99.
 *
 * No malloc: every tensor lives at a fixed offset in one static arena, chosen ahead of time by
 * the memory planner (kits/src/mlsys_kits/planner.py) and written into the model's C file with
 * the weights. Tensors are NCHW with batch 1; 1-D tensors are (C, 1, 1). The arithmetic is the
 * TFLite int8 scheme, and every kernel has a twin in kits/src/mlsys_kits/reference.py that the
 * tests compare against byte for byte.
 */
#ifndef TINYRT_H
#define TINYRT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum trt_op_kind {
    TRT_CONV2D = 1, TRT_DWCONV2D = 2, TRT_DENSE = 3, TRT_AVGPOOL = 4, TRT_MAXPOOL = 5,
    TRT_RELU = 6, TRT_RELU6 = 7, TRT_ADD = 8, TRT_RESHAPE = 9, TRT_SOFTMAX = 10
};

typedef struct {
    uint32_t offset;           /* byte offset in the arena */
    uint16_t c, h, w;
    int16_t zero_point;
} trt_tensor;

typedef struct {
    uint8_t op;                /* enum trt_op_kind */
    uint8_t in0, in1, out;     /* tensor indices */
    uint8_t kh, kw, sh, sw, ph, pw;
    int16_t act_min, act_max;  /* clamp of the int8 output (fused activation) */
    const int8_t *weights;     /* conv (O,C,kh,kw), depthwise (C,1,kh,kw), dense (O,I) */
    const int32_t *bias;       /* per output channel, scale s_in * s_w[c] */
    const int32_t *mult;       /* per-channel fixed-point multiplier */
    const int32_t *shift;      /* per-channel power-of-two exponent */
    const int32_t *table;      /* softmax: exp(-d * s_in) in Q20 for d = 0..255 */
    int32_t params[6];         /* add: m1, s1, m2, s2, m_out, s_out */
} trt_op;

typedef struct {
    const char *name;
    const trt_op *ops;
    uint16_t n_ops;
    const trt_tensor *tensors;
    uint16_t n_tensors;
    uint8_t input, output;
    uint32_t arena_bytes;      /* planned peak */
    uint32_t naive_bytes;      /* sum of all tensors, for comparison */
} trt_model;

/* Run every op in order; returns 0, or the 1-based index of an op with an unknown kind. */
int trt_invoke(const trt_model *m, int8_t *arena);

/* Where to write the input and read the output inside the arena. */
int8_t *trt_tensor_data(const trt_model *m, int8_t *arena, uint8_t tensor);
uint32_t trt_tensor_size(const trt_model *m, uint8_t tensor);

/* The fixed-point helpers, exposed for the unit tests. */
int32_t trt_mbqm(int32_t x, int32_t mult, int32_t shift);

#ifdef __cplusplus
}
#endif

#endif
