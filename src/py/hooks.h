/* Allocator hooks: every block the program allocates and frees, its type,
 * its place in pymalloc's arenas, and the memory events of each step.
 *
 * Installed once, after Py_PreInitialize and before Py_InitializeFromConfig
 * (mv_hooks_install): wrappers around the OBJ and MEM domains and around the
 * arena allocator. What they do, and what the rest of memview asks of them,
 * is described at the top of hooks.c; the JSON they feed is in
 * docs/events-format.md. Everything here runs with the GIL held (OBJ/MEM
 * calls always do); the RAW domain is not wrapped, so a request > 512 bytes
 * that pymalloc passes on to malloc is seen once. */
#ifndef MV_PY_HOOKS_H
#define MV_PY_HOOKS_H

#include <Python.h>

#include "../core/trace.h"

/* Name the allocator (before any hook is installed, when CPython can still
 * say it), then install the wrappers. Call once, after pre-initialisation. */
void mv_hooks_install(void);
/* "pymalloc", "malloc", "pymalloc_debug", "mimalloc", ... ("" if unknown). */
const char *mv_hooks_allocator(void);
/* pymalloc with the layout memview reads (pools, arenas). */
bool mv_hooks_pymalloc(void);

/* Tie the hooks to a trace: freed blocks retire its objects, events go to
 * it. NULL detaches. Starts recording program events; the first step
 * recorded (mv_hooks_step_begin) forgets what came before it. */
void mv_hooks_attach(mv_trace *tr);

/* Memory events are being recorded (attached, and MEMVIEW_EVENTS is not 0). */
bool mv_hooks_recording(void);

/* memview's own work: allocations made between enter and leave are not the
 * program's (nesting allowed). */
void mv_hooks_tool_enter(void);
void mv_hooks_tool_leave(void);

/* Step boundary, before capture walks: the blocks allocated since the
 * previous step that are still alive get their type (objects are complete
 * at a trace event). */
void mv_hooks_step_begin(void);
/* Capture shows an object for the first time: if its block was allocated
 * since the previous step, it is reported with its ref (not in the
 * aggregate) and true is returned with its block bytes. */
bool mv_hooks_claim(uint64_t block, uint64_t *bytes);
/* After the walk: the aggregated allocations and frees of the step go to
 * the trace. */
void mv_hooks_step_end(void);

/* A type capture met (an object's type, or a class object): blocks whose
 * header names it can be counted under its name. */
void mv_hooks_note_type(PyTypeObject *tp);
/* Where a block is (pool, index, arena; or malloc'd with its size). */
void mv_hooks_block(uint64_t block, mv_block *out);

/* The collector: frees between start and stop have cause GC. */
void mv_hooks_gc(bool running, int generation);
/* An object the interpreter made for memview (the gc callback's arguments):
 * not the program's. */
void mv_hooks_disown(PyObject *o);

/* Pool view: at which step to take it (-1 none, -2 the last step; or the
 * first LINE step at `line` of the program when line != 0). */
void mv_hooks_want_pools(int64_t step, uint32_t line);
/* Take the pool view now if this step is the one asked for (capture calls
 * it first thing in a step). */
void mv_hooks_pools_at_step(uint32_t step, mv_event ev, uint32_t file, uint32_t line);
/* The run is over: take the view asked for as "last". */
void mv_hooks_finish(void);

#endif
