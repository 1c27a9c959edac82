/* A minimal Arduino API for compiling and running the kit sketch on the host: Serial writes to
 * stdout, micros() reads a monotonic clock, delay() returns at once. Only what the sketch uses;
 * a sketch that calls anything else fails to compile here, as it should. */
#ifndef MLSYS_ARDUINO_SHIM_H
#define MLSYS_ARDUINO_SHIM_H

#include <stdint.h>
#include <stdio.h>

class HardwareSerial {
public:
    void begin(unsigned long baud) { (void)baud; }
    void print(const char *s) { fputs(s, stdout); }
    void print(long v) { printf("%ld", v); }
    void println(const char *s) { printf("%s\n", s); }
};

extern HardwareSerial Serial;
unsigned long micros(void);
void delay(unsigned long ms);
void setup(void);
void loop(void);

#endif
