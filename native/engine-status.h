/* The native engine's outcomes.
 * Written by `npm run headers` from NativeStatus in loader/engines/native-surface.ts;
 * each value is declared and explained there: edit that, not this. */
#ifndef PIEKIT_ENGINE_STATUS_H
#define PIEKIT_ENGINE_STATUS_H

enum pk_engine_status {
	PK_ENGINE_OK = 0,
	PK_ENGINE_WRITE_OUTSIDE_SEGMENTS = 1,
	PK_ENGINE_UNMAPPED_ADDRESS = 2,
	PK_ENGINE_OUTSIDE_WINDOW = 3,
	PK_ENGINE_OUT_OF_MEMORY = 4,
	PK_ENGINE_BAD_REQUEST = 5,
};

#endif
