/* Which new words can have a fuzzy reading at all: the compiled gate of fuzzymatch.FuzzyReader.
 *
 * FuzzyGate(prefixes, known, variants, heads, tails, pieces, deletions,
 *           min_stem, min_length, max_length)
 *   mirrors a fuzzy.FuzzyIndex (see FuzzyIndex.gate_tables) and the reader's words known
 *   exactly.  gate.passing(words) -> the words of which some stem (the word, or what follows
 *   one of `prefixes` at its start) of at least `min_stem` letters, not in `known`, has a
 *   candidate in the index: FuzzyIndex.candidates(stem) is not empty.
 *
 * A real stream brings ~25 never-seen words an article and all but a few have no candidate;
 * answering that for every stem of every word here, at C speed, leaves Python the few words
 * worth reading.  Every test below is FuzzyIndex.candidates' own, in its terms:
 *   - the stem's length within the forms' lengths, give or take two; no digit in it;
 *   - the stem is a spelling variant of a short form (`variants`);
 *   - two-edit forms: one of their pieces stands in the stem within two letters of its place
 *     in the form, and the lengths differ by two at most (`pieces`: piece -> pairs of
 *     (where the piece ends in its form, the form's length));
 *   - one-edit forms: the stem keeps a form's head or tail (`heads`, `tails`: three letters ->
 *     lengths a stem may have), and the stem or one of its one-letter deletions is in the
 *     forms' deletion neighbourhoods (`deletions`).
 * tests/matching/test_gate_compiled.py holds it to the Python index on generated words.
 */
#include "_strset.h"

#define MAX_WORD 256
#define MAX_PIECE_LENGTHS 32

typedef struct {
    PyObject_HEAD
    StrSet prefixes, known, variants, heads, tails, pieces, deletions;
    uint64_t *head_lengths; /* bit n: a stem of n letters may keep this head */
    uint64_t *tail_lengths;
    int32_t *piece_first;   /* piece i's pairs: piece_pairs[2 * piece_first[i] ...] */
    int32_t *piece_count;
    int32_t *piece_pairs;
    int32_t piece_lengths[MAX_PIECE_LENGTHS];
    int32_t piece_length_count;
    Py_ssize_t min_stem, min_length, max_length;
} FuzzyGate;

static void
gate_clear(FuzzyGate *self)
{
    strset_free(&self->prefixes);
    strset_free(&self->known);
    strset_free(&self->variants);
    strset_free(&self->heads);
    strset_free(&self->tails);
    strset_free(&self->pieces);
    strset_free(&self->deletions);
    PyMem_Free(self->head_lengths);
    PyMem_Free(self->tail_lengths);
    PyMem_Free(self->piece_first);
    PyMem_Free(self->piece_count);
    PyMem_Free(self->piece_pairs);
    self->head_lengths = self->tail_lengths = NULL;
    self->piece_first = self->piece_count = self->piece_pairs = NULL;
    self->piece_length_count = 0;
}

static void
gate_dealloc(FuzzyGate *self)
{
    gate_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* heads or tails: a dict of three letters -> set of lengths, as a set and length masks */
static int
build_ends(StrSet *set, uint64_t **masks, PyObject *ends)
{
    if (!PyDict_Check(ends)) {
        PyErr_SetString(PyExc_TypeError, "heads and tails must be dicts");
        return -1;
    }
    PyObject *keys = PyDict_Keys(ends);
    if (keys == NULL || strset_build(set, keys) < 0) {
        Py_XDECREF(keys);
        return -1;
    }
    Py_ssize_t count = PyList_GET_SIZE(keys);
    *masks = PyMem_Calloc((size_t)count + 1, sizeof(uint64_t));
    if (*masks == NULL) {
        Py_DECREF(keys);
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *lengths = PyDict_GetItem(ends, PyList_GET_ITEM(keys, i));
        PyObject *iterator = lengths ? PyObject_GetIter(lengths) : NULL;
        if (iterator == NULL) {
            Py_DECREF(keys);
            return -1;
        }
        PyObject *item;
        while ((item = PyIter_Next(iterator)) != NULL) {
            long n = PyLong_AsLong(item);
            Py_DECREF(item);
            if (n == -1 && PyErr_Occurred()) {
                break;
            }
            /* a length past the mask lets every length through: only slower, never wrong */
            (*masks)[i] |= (n >= 0 && n < 64) ? (1ULL << n) : ~0ULL;
        }
        Py_DECREF(iterator);
        if (PyErr_Occurred()) {
            Py_DECREF(keys);
            return -1;
        }
    }
    Py_DECREF(keys);
    return 0;
}

static int
build_pieces(FuzzyGate *self, PyObject *pieces)
{
    if (!PyDict_Check(pieces)) {
        PyErr_SetString(PyExc_TypeError, "pieces must be a dict");
        return -1;
    }
    PyObject *keys = PyDict_Keys(pieces);
    if (keys == NULL || strset_build(&self->pieces, keys) < 0) {
        Py_XDECREF(keys);
        return -1;
    }
    Py_ssize_t count = PyList_GET_SIZE(keys), total = 0;
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *places = PyDict_GetItem(pieces, PyList_GET_ITEM(keys, i));
        Py_ssize_t n = places ? PyObject_Length(places) : -1;
        if (n < 0) {
            Py_DECREF(keys);
            return -1;
        }
        total += n;
    }
    self->piece_first = PyMem_Calloc((size_t)count + 1, sizeof(int32_t));
    self->piece_count = PyMem_Calloc((size_t)count + 1, sizeof(int32_t));
    self->piece_pairs = PyMem_Calloc(2 * (size_t)total + 2, sizeof(int32_t));
    if (!self->piece_first || !self->piece_count || !self->piece_pairs) {
        Py_DECREF(keys);
        PyErr_NoMemory();
        return -1;
    }
    int32_t used = 0;
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *piece = PyList_GET_ITEM(keys, i);
        int32_t length = (int32_t)PyUnicode_GET_LENGTH(piece);
        int known = 0;
        for (int32_t j = 0; j < self->piece_length_count; j++) {
            known |= self->piece_lengths[j] == length;
        }
        if (!known) {
            if (self->piece_length_count == MAX_PIECE_LENGTHS) {
                Py_DECREF(keys);
                PyErr_SetString(PyExc_ValueError, "too many piece lengths for the gate");
                return -1;
            }
            self->piece_lengths[self->piece_length_count++] = length;
        }
        PyObject *places = PySequence_Fast(PyDict_GetItem(pieces, piece), "pieces: places");
        if (places == NULL) {
            Py_DECREF(keys);
            return -1;
        }
        self->piece_first[i] = used;
        for (Py_ssize_t j = 0; j < PySequence_Fast_GET_SIZE(places); j++) {
            int form_end, form_length, form;
            if (!PyArg_ParseTuple(PySequence_Fast_GET_ITEM(places, j), "iii", &form_end,
                                  &form_length, &form)) {
                Py_DECREF(places);
                Py_DECREF(keys);
                return -1;
            }
            self->piece_pairs[2 * used] = form_end;
            self->piece_pairs[2 * used + 1] = form_length;
            used++;
        }
        self->piece_count[i] = used - self->piece_first[i];
        Py_DECREF(places);
    }
    Py_DECREF(keys);
    return 0;
}

static int
gate_init(FuzzyGate *self, PyObject *args, PyObject *kwargs)
{
    static char *names[] = {"prefixes",  "known",    "variants",   "heads",
                            "tails",     "pieces",   "deletions",  "min_stem",
                            "min_length", "max_length", NULL};
    PyObject *prefixes, *known, *variants, *heads, *tails, *pieces, *deletions;
    gate_clear(self);
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOOOOOOnnn:FuzzyGate", names, &prefixes,
                                     &known, &variants, &heads, &tails, &pieces, &deletions,
                                     &self->min_stem, &self->min_length, &self->max_length)) {
        return -1;
    }
    if (strset_build(&self->prefixes, prefixes) < 0 || strset_build(&self->known, known) < 0 ||
        strset_build(&self->variants, variants) < 0 ||
        build_ends(&self->heads, &self->head_lengths, heads) < 0 ||
        build_ends(&self->tails, &self->tail_lengths, tails) < 0 ||
        build_pieces(self, pieces) < 0 || strset_build(&self->deletions, deletions) < 0) {
        gate_clear(self);
        return -1;
    }
    return 0;
}

static int
has_piece(const FuzzyGate *self, const Py_UCS4 *stem, Py_ssize_t n)
{
    for (int32_t j = 0; j < self->piece_length_count; j++) {
        Py_ssize_t length = self->piece_lengths[j];
        for (Py_ssize_t i = 0; i + length <= n; i++) {
            int32_t piece = strset_find(&self->pieces, stem + i, length,
                                        hash_codes(stem + i, length));
            if (piece < 0) {
                continue;
            }
            Py_ssize_t end = i + length - 1;
            const int32_t *pair = self->piece_pairs + 2 * self->piece_first[piece];
            for (int32_t k = 0; k < self->piece_count[piece]; k++, pair += 2) {
                if (labs((long)(end - pair[0])) <= 2 && labs((long)(n - pair[1])) <= 2) {
                    return 1;
                }
            }
        }
    }
    return 0;
}

static int
keeps_an_end(const FuzzyGate *self, const Py_UCS4 *stem, Py_ssize_t n)
{
    uint64_t bit = n < 64 ? 1ULL << n : 0;
    int32_t head = strset_find(&self->heads, stem, 3, hash_codes(stem, 3));
    if (head >= 0 && (self->head_lengths[head] & bit || self->head_lengths[head] == ~0ULL)) {
        return 1;
    }
    int32_t tail = strset_find(&self->tails, stem + n - 3, 3, hash_codes(stem + n - 3, 3));
    return tail >= 0 && (self->tail_lengths[tail] & bit || self->tail_lengths[tail] == ~0ULL);
}

static int
near_a_deletion(const FuzzyGate *self, const Py_UCS4 *stem, Py_ssize_t n)
{
    if (strset_find(&self->deletions, stem, n, hash_codes(stem, n)) >= 0) {
        return 1;
    }
    Py_UCS4 shorter[MAX_WORD];
    for (Py_ssize_t i = 0; i < n; i++) {
        memcpy(shorter, stem, (size_t)i * sizeof(Py_UCS4));
        memcpy(shorter + i, stem + i + 1, (size_t)(n - i - 1) * sizeof(Py_UCS4));
        if (strset_find(&self->deletions, shorter, n - 1, hash_codes(shorter, n - 1)) >= 0) {
            return 1;
        }
    }
    return 0;
}

/* FuzzyIndex.candidates(stem) is not empty */
static int
has_candidates(const FuzzyGate *self, const Py_UCS4 *stem, Py_ssize_t n, uint64_t h)
{
    if (n < self->min_length - 2 || n > self->max_length + 2) {
        return 0;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        if (Py_UNICODE_ISDIGIT(stem[i])) {
            return 0;
        }
    }
    if (strset_find(&self->variants, stem, n, h) >= 0) {
        return 1;
    }
    if (n >= 8 && self->pieces.count && has_piece(self, stem, n)) {
        return 1;
    }
    return n >= 3 && keeps_an_end(self, stem, n) && near_a_deletion(self, stem, n);
}

static int
passes(const FuzzyGate *self, const Py_UCS4 *word, Py_ssize_t length)
{
    uint64_t h = 0;
    /* every suffix's hash from one backward pass; a stem is a suffix after a prefix */
    for (Py_ssize_t start = length - 1; start >= 0; start--) {
        h = HASH_STEP(h, word[start]);
        Py_ssize_t n = length - start;
        if (n < self->min_stem) {
            continue;
        }
        if (start && strset_find(&self->prefixes, word, start, hash_codes(word, start)) < 0) {
            continue;
        }
        if (strset_find(&self->known, word + start, n, h) >= 0) {
            continue;
        }
        if (has_candidates(self, word + start, n, h)) {
            return 1;
        }
    }
    return 0;
}

static PyObject *
gate_passing(FuzzyGate *self, PyObject *words)
{
    PyObject *iterator = PyObject_GetIter(words);
    PyObject *out = PyList_New(0);
    if (iterator == NULL || out == NULL) {
        Py_XDECREF(iterator);
        Py_XDECREF(out);
        return NULL;
    }
    Py_UCS4 codes[MAX_WORD];
    PyObject *word;
    while ((word = PyIter_Next(iterator)) != NULL) {
        int keep;
        if (!PyUnicode_Check(word)) {
            PyErr_SetString(PyExc_TypeError, "words must be str");
            keep = -1;
        }
        else {
            Py_ssize_t length = PyUnicode_GET_LENGTH(word);
            if (length >= MAX_WORD) {
                keep = 1; /* too long to look at here: Python reads it */
            }
            else if (PyUnicode_AsUCS4(word, codes, MAX_WORD, 0) == NULL) {
                keep = -1;
            }
            else {
                keep = passes(self, codes, length);
            }
        }
        if (keep > 0 && PyList_Append(out, word) < 0) {
            keep = -1;
        }
        Py_DECREF(word);
        if (keep < 0) {
            Py_DECREF(iterator);
            Py_DECREF(out);
            return NULL;
        }
    }
    Py_DECREF(iterator);
    if (PyErr_Occurred()) {
        Py_DECREF(out);
        return NULL;
    }
    return out;
}

static PyMethodDef gate_methods[] = {
    {"passing", (PyCFunction)gate_passing, METH_O,
     "passing(words) -> the words some stem of which has a fuzzy candidate."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject FuzzyGateType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "marsad.matching._gate.FuzzyGate",
    .tp_basicsize = sizeof(FuzzyGate),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Which words can have a fuzzy reading: FuzzyIndex.candidates at C speed.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)gate_init,
    .tp_dealloc = (destructor)gate_dealloc,
    .tp_methods = gate_methods,
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "marsad.matching._gate",
    .m_doc = "The compiled gate of fuzzy reading (see fuzzymatch.FuzzyReader).",
    .m_size = -1,
};

PyMODINIT_FUNC
PyInit__gate(void)
{
    if (PyType_Ready(&FuzzyGateType) < 0) {
        return NULL;
    }
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) {
        return NULL;
    }
    Py_INCREF(&FuzzyGateType);
    if (PyModule_AddObject(m, "FuzzyGate", (PyObject *)&FuzzyGateType) < 0) {
        Py_DECREF(&FuzzyGateType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
