/* A set of strings looked up by slices of UCS4 code points, without making Python strings.
 *
 * Shared by the compiled fast paths of matching (_keys.c, _gate.c).  A string's hash is a
 * polynomial over its code points built from the last one backwards, so the hashes of every
 * suffix of a token come out of one backward pass.
 */
#ifndef MARSAD_STRSET_H
#define MARSAD_STRSET_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define HASH_STEP(h, c) ((h) * 0x100000001b3ULL + (uint64_t)(c) + 1)

static inline uint64_t
mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

static inline uint64_t
hash_codes(const Py_UCS4 *codes, Py_ssize_t length)
{
    uint64_t h = 0;
    for (Py_ssize_t i = length - 1; i >= 0; i--) {
        h = HASH_STEP(h, codes[i]);
    }
    return h;
}

typedef struct {
    Py_UCS4 *codes; /* string i: codes[at[i] .. at[i] + len[i]) */
    int32_t *at;
    int32_t *len;
    uint64_t *hash;
    int32_t *slots; /* open addressing over hash: string index or -1 */
    uint64_t mask;
    int32_t count;
} StrSet;

static inline void
strset_free(StrSet *set)
{
    PyMem_Free(set->codes);
    PyMem_Free(set->at);
    PyMem_Free(set->len);
    PyMem_Free(set->hash);
    PyMem_Free(set->slots);
    memset(set, 0, sizeof(*set));
}

/* the index of codes[0..length) with hash h, or -1 */
static inline int32_t
strset_find(const StrSet *set, const Py_UCS4 *codes, Py_ssize_t length, uint64_t h)
{
    if (set->count == 0) {
        return -1;
    }
    for (uint64_t slot = mix(h) & set->mask;; slot = (slot + 1) & set->mask) {
        int32_t i = set->slots[slot];
        if (i < 0) {
            return -1;
        }
        if (set->hash[i] == h && set->len[i] == length &&
            memcmp(set->codes + set->at[i], codes, (size_t)length * sizeof(Py_UCS4)) == 0) {
            return i;
        }
    }
}

/* Fill `set` with the strings of the sequence `strings` (a repeat is kept once, so string i
 * of a sequence without repeats has index i); -1 with an exception set on failure. */
static inline int
strset_build(StrSet *set, PyObject *strings)
{
    memset(set, 0, sizeof(*set));
    PyObject *items = PySequence_Fast(strings, "expected a sequence of str");
    if (items == NULL) {
        return -1;
    }
    Py_ssize_t count = PySequence_Fast_GET_SIZE(items), total = 0;
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *item = PySequence_Fast_GET_ITEM(items, i);
        if (!PyUnicode_Check(item)) {
            PyErr_SetString(PyExc_TypeError, "expected a sequence of str");
            goto error;
        }
        total += PyUnicode_GET_LENGTH(item);
    }
    if (total > INT32_MAX / 2 || count > INT32_MAX / 4) {
        PyErr_SetString(PyExc_OverflowError, "too many strings for a compiled set");
        goto error;
    }
    uint64_t size = 8;
    while (size < (uint64_t)count * 2) {
        size <<= 1;
    }
    set->mask = size - 1;
    set->codes = PyMem_Malloc((size_t)(total + 1) * sizeof(Py_UCS4));
    set->at = PyMem_Malloc((size_t)(count + 1) * sizeof(int32_t));
    set->len = PyMem_Malloc((size_t)(count + 1) * sizeof(int32_t));
    set->hash = PyMem_Malloc((size_t)(count + 1) * sizeof(uint64_t));
    set->slots = PyMem_Malloc((size_t)size * sizeof(int32_t));
    if (!set->codes || !set->at || !set->len || !set->hash || !set->slots) {
        PyErr_NoMemory();
        goto error;
    }
    memset(set->slots, 0xff, (size_t)size * sizeof(int32_t));
    int32_t used = 0;
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *item = PySequence_Fast_GET_ITEM(items, i);
        Py_ssize_t length = PyUnicode_GET_LENGTH(item);
        Py_UCS4 *at = set->codes + used;
        if (length && PyUnicode_AsUCS4(item, at, length, 0) == NULL) {
            goto error;
        }
        uint64_t h = hash_codes(at, length);
        if (strset_find(set, at, length, h) >= 0) {
            continue;
        }
        int32_t index = set->count++;
        set->at[index] = used;
        set->len[index] = (int32_t)length;
        set->hash[index] = h;
        uint64_t slot = mix(h) & set->mask;
        while (set->slots[slot] >= 0) {
            slot = (slot + 1) & set->mask;
        }
        set->slots[slot] = index;
        used += (int32_t)length;
    }
    Py_DECREF(items);
    return 0;

error:
    Py_DECREF(items);
    strset_free(set);
    return -1;
}

#endif
