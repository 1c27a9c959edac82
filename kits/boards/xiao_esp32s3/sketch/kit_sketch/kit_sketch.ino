// mlsys kit: int8 inference on the Seeed XIAO ESP32S3 Sense with the tinyrt C runtime.
//
// `mlsys kits build xiao_esp32s3` exports this sketch with tinyrt.c/h, the model (weights and
// execution plan) and one recorded sensor frame into _build/kits/xiao_esp32s3/kit_sketch/;
// open that folder in the Arduino IDE or run arduino-cli on it. Every few seconds the sketch
// classifies the frame and prints the class, its probability and the time one inference took.
#include <Arduino.h>
#include <string.h>

#include "tinyrt.h"

extern "C" {
extern const trt_model trt_model_main;
extern int8_t *const trt_arena;
extern const int8_t trt_test_inputs[];
extern const char *const trt_labels[];
extern const int trt_expected;
}

static int classify(unsigned long *elapsed_us)
{
    const trt_model *m = &trt_model_main;
    uint32_t n_out = trt_tensor_size(m, m->output);
    unsigned long t0 = micros();
    memcpy(trt_tensor_data(m, trt_arena, m->input), trt_test_inputs,
           trt_tensor_size(m, m->input));
    if (trt_invoke(m, trt_arena) != 0) {
        return -1;
    }
    *elapsed_us = micros() - t0;
    const int8_t *out = trt_tensor_data(m, trt_arena, m->output);
    int best = 0;
    for (uint32_t j = 1; j < n_out; j++) {
        if (out[j] > out[best]) {
            best = (int)j;
        }
    }
    return best;
}

void setup()
{
    Serial.begin(115200);
    Serial.print("mlsys kit: model ");
    Serial.print(trt_model_main.name);
    Serial.print(", arena ");
    Serial.print((long)trt_model_main.arena_bytes);
    Serial.println(" bytes");
}

void loop()
{
    unsigned long us = 0;
    int best = classify(&us);
    if (best < 0) {
        Serial.println("error: unknown op in the model");
    } else {
        Serial.print("class ");
        Serial.print(trt_labels[best]);
        Serial.print(best == trt_expected ? " (as expected)" : " (UNEXPECTED)");
        Serial.print(", ");
        Serial.print((long)us);
        Serial.println(" us");
    }
    delay(2000);
}
