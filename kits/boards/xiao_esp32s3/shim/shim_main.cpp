// Host entry point for the sketch: setup() once, then loop() as many times as argv[1] says
// (default 1), like the Arduino core's main but finite so a test can check the output.
#include <stdlib.h>
#include <time.h>

#include "Arduino.h"

HardwareSerial Serial;

unsigned long micros(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (unsigned long)(ts.tv_sec * 1000000L + ts.tv_nsec / 1000L);
}

void delay(unsigned long ms) { (void)ms; }

int main(int argc, char **argv)
{
    long loops = argc > 1 ? strtol(argv[1], NULL, 10) : 1;
    setup();
    for (long i = 0; i < loops; i++) {
        loop();
    }
    return 0;
}
