/* Which new words can have a fuzzy reading at all: the compiled gate of fuzzymatch.FuzzyReader.
 *
 * FuzzyGate(prefixes, known, forms, allowed, variants, heads, tails, pieces, deletions,
 *           min_stem, min_length, max_length)
 *   mirrors a fuzzy.FuzzyIndex (see FuzzyIndex.gate_tables) and the reader's words known
 *   exactly.  gate.passing(words) -> the words of which some stem (the word, or what follows
 *   one of `prefixes` at its start) of at least `min_stem` letters, not in `known`, has a
 *   candidate in the index (FuzzyIndex.candidates) within the candidate's allowance of edits
 *   (`allowed`, the optimal-string-alignment distance FuzzyIndex.matches checks first).
 *
 * A real stream brings ~25 never-seen words an article and all but a few have no reading;
 * answering that for every stem of every word here, at C speed, leaves Python the few words
 * worth reading.  Candidates come by FuzzyIndex.candidates' own tests, in its terms:
 *   - the stem's length within the forms' lengths, give or take two; no digit in it;
 *   - the stem is a spelling variant of a short form (`variants`: variant -> forms);
 *   - two-edit forms: one of their pieces stands in the stem within two letters of its place
 *     in the form, and the lengths differ by two at most (`pieces`: piece -> (where the piece
 *     ends in its form, the form's length, the form));
 *   - one-edit forms: the stem keeps a form's head or tail (`heads`, `tails`: three letters ->
 *     lengths a stem may have), and the stem or one of its one-letter deletions is in the
 *     forms' deletion neighbourhoods (`deletions`: deletion -> forms).
 * tests/matching/test_gate_compiled.py holds it to the Python index on generated words.
 */
#include "_strset.h"

#define MAX_WORD 256
#define MAX_PIECE_LENGTHS 32

/* for each string of a StrSet, a list of ints: items[first[i] .. first[i] + count[i]) */
typedef struct {
    int32_t *first, *count, *items;
} IntLists;

typedef struct {
    PyObject_HEAD
    StrSet prefixes, known, variants, heads, tails, pieces, deletions;
    IntLists variant_forms, deletion_forms; /* the forms each variant or deletion stands for */
    uint64_t *head_lengths; /* bit n: a stem of n letters may keep this head */
    uint64_t *tail_lengths;
    int32_t *piece_first;   /* piece i's places: piece_places[3 * piece_first[i] ...] */
    int32_t *piece_count;
    int32_t *piece_places;  /* (where it ends in its form, the form's length, the form) */
    Py_UCS4 *form_codes;    /* form i: form_codes[form_at[i] .. + form_len[i]) */
    int32_t *form_at, *form_len, *form_allowed;
    Py_ssize_t form_count;
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
    PyMem_Free(self->piece_places);
    PyMem_Free(self->form_codes);
    PyMem_Free(self->form_at);
    PyMem_Free(self->form_len);
    PyMem_Free(self->form_allowed);
    IntLists *lists[] = {&self->variant_forms, &self->deletion_forms};
    for (int i = 0; i < 2; i++) {
        PyMem_Free(lists[i]->first);
        PyMem_Free(lists[i]->count);
        PyMem_Free(lists[i]->items);
        lists[i]->first = lists[i]->count = lists[i]->items = NULL;
    }
    self->head_lengths = self->tail_lengths = NULL;
    self->piece_first = self->piece_count = self->piece_places = NULL;
    self->form_codes = NULL;
    self->form_at = self->form_len = self->form_allowed = NULL;
    self->form_count = 0;
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
    self->piece_places = PyMem_Calloc(3 * (size_t)total + 3, sizeof(int32_t));
    if (!self->piece_first || !self->piece_count || !self->piece_places) {
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
            if (form < 0 || form >= self->form_count) {
                Py_DECREF(places);
                Py_DECREF(keys);
                PyErr_SetString(PyExc_ValueError, "pieces: no such form");
                return -1;
            }
            self->piece_places[3 * used] = form_end;
            self->piece_places[3 * used + 1] = form_length;
            self->piece_places[3 * used + 2] = form;
            used++;
        }
        self->piece_count[i] = used - self->piece_first[i];
        Py_DECREF(places);
    }
    Py_DECREF(keys);
    return 0;
}

/* a dict of str -> sequence of form numbers, as a set and its lists */
static int
build_lists(StrSet *set, IntLists *lists, PyObject *dict, Py_ssize_t forms)
{
    if (!PyDict_Check(dict)) {
        PyErr_SetString(PyExc_TypeError, "variants and deletions must be dicts");
        return -1;
    }
    PyObject *keys = PyDict_Keys(dict);
    if (keys == NULL || strset_build(set, keys) < 0) {
        Py_XDECREF(keys);
        return -1;
    }
    Py_ssize_t count = PyList_GET_SIZE(keys), total = 0;
    PyObject **values = PyMem_Calloc((size_t)count + 1, sizeof(PyObject *));
    lists->first = PyMem_Calloc((size_t)count + 1, sizeof(int32_t));
    lists->count = PyMem_Calloc((size_t)count + 1, sizeof(int32_t));
    int failed = !values || !lists->first || !lists->count;
    if (failed) {
        PyErr_NoMemory();
    }
    for (Py_ssize_t i = 0; i < count && !failed; i++) {
        values[i] = PySequence_Fast(PyDict_GetItem(dict, PyList_GET_ITEM(keys, i)), "forms");
        failed = values[i] == NULL;
        if (!failed) {
            lists->first[i] = (int32_t)total;
            lists->count[i] = (int32_t)PySequence_Fast_GET_SIZE(values[i]);
            total += lists->count[i];
        }
    }
    if (!failed) {
        lists->items = PyMem_Calloc((size_t)total + 1, sizeof(int32_t));
        failed = lists->items == NULL;
        if (failed) {
            PyErr_NoMemory();
        }
    }
    for (Py_ssize_t i = 0; i < count && !failed; i++) {
        for (int32_t j = 0; j < lists->count[i] && !failed; j++) {
            long form = PyLong_AsLong(PySequence_Fast_GET_ITEM(values[i], j));
            if (form == -1 && PyErr_Occurred()) {
                failed = 1;
            }
            else if (form < 0 || form >= forms) {
                PyErr_SetString(PyExc_ValueError, "no such form");
                failed = 1;
            }
            else {
                lists->items[lists->first[i] + j] = (int32_t)form;
            }
        }
    }
    for (Py_ssize_t i = 0; values && i < count; i++) {
        Py_XDECREF(values[i]);
    }
    PyMem_Free(values);
    Py_DECREF(keys);
    return failed ? -1 : 0;
}

static int
build_forms(FuzzyGate *self, PyObject *forms, PyObject *allowed)
{
    PyObject *texts = PySequence_Fast(forms, "forms must be a sequence of str");
    PyObject *edits = texts ? PySequence_Fast(allowed, "allowed must be a sequence of int") : NULL;
    if (edits == NULL) {
        Py_XDECREF(texts);
        return -1;
    }
    Py_ssize_t count = PySequence_Fast_GET_SIZE(texts), total = 0;
    int failed = PySequence_Fast_GET_SIZE(edits) != count;
    if (failed) {
        PyErr_SetString(PyExc_ValueError, "one allowance per form");
    }
    for (Py_ssize_t i = 0; i < count && !failed; i++) {
        PyObject *text = PySequence_Fast_GET_ITEM(texts, i);
        failed = !PyUnicode_Check(text);
        if (failed) {
            PyErr_SetString(PyExc_TypeError, "forms must be str");
        }
        else {
            total += PyUnicode_GET_LENGTH(text);
        }
    }
    if (!failed) {
        self->form_codes = PyMem_Malloc((size_t)total * sizeof(Py_UCS4) + 4);
        self->form_at = PyMem_Calloc((size_t)count + 1, sizeof(int32_t));
        self->form_len = PyMem_Calloc((size_t)count + 1, sizeof(int32_t));
        self->form_allowed = PyMem_Calloc((size_t)count + 1, sizeof(int32_t));
        failed = !self->form_codes || !self->form_at || !self->form_len || !self->form_allowed;
        if (failed) {
            PyErr_NoMemory();
        }
    }
    Py_ssize_t used = 0;
    for (Py_ssize_t i = 0; i < count && !failed; i++) {
        PyObject *text = PySequence_Fast_GET_ITEM(texts, i);
        Py_ssize_t length = PyUnicode_GET_LENGTH(text);
        long edits_allowed = PyLong_AsLong(PySequence_Fast_GET_ITEM(edits, i));
        failed = (edits_allowed == -1 && PyErr_Occurred()) ||
                 (length && PyUnicode_AsUCS4(text, self->form_codes + used, length, 0) == NULL);
        self->form_at[i] = (int32_t)used;
        self->form_len[i] = (int32_t)length;
        self->form_allowed[i] = (int32_t)edits_allowed;
        used += length;
    }
    self->form_count = failed ? 0 : count;
    Py_DECREF(texts);
    Py_DECREF(edits);
    return failed ? -1 : 0;
}

/* whether 0 < OSA distance(stem, form) <= the form's allowance (rapidfuzz's OSA: optimal
 * string alignment, adjacent transpositions counting one edit) */
static int
within_budget(const FuzzyGate *self, const Py_UCS4 *a, Py_ssize_t n, int32_t form)
{
    const Py_UCS4 *b = self->form_codes + self->form_at[form];
    Py_ssize_t m = self->form_len[form];
    int32_t budget = self->form_allowed[form];
    if (labs((long)(n - m)) > budget) {
        return 0;
    }
    if (m >= MAX_WORD) {
        return 1; /* too long to align here: Python verifies it */
    }
    int32_t rows[3][MAX_WORD + 1];
    int32_t *before = rows[0], *previous = rows[1], *current = rows[2];
    for (Py_ssize_t j = 0; j <= m; j++) {
        previous[j] = (int32_t)j;
    }
    for (Py_ssize_t i = 1; i <= n; i++) {
        current[0] = (int32_t)i;
        int32_t best = current[0];
        for (Py_ssize_t j = 1; j <= m; j++) {
            int32_t cost = a[i - 1] != b[j - 1];
            int32_t d = previous[j - 1] + cost;
            if (previous[j] + 1 < d) {
                d = previous[j] + 1;
            }
            if (current[j - 1] + 1 < d) {
                d = current[j - 1] + 1;
            }
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                before[j - 2] + 1 < d) {
                d = before[j - 2] + 1;
            }
            current[j] = d;
            if (d < best) {
                best = d;
            }
        }
        if (best > budget) {
            return 0; /* every alignment already costs more than the budget */
        }
        int32_t *spare = before;
        before = previous;
        previous = current;
        current = spare;
    }
    return previous[m] > 0 && previous[m] <= budget;
}

/* whether one of `lists`' forms for set entry `entry` is within budget of the stem */
static int
some_form_within(const FuzzyGate *self, const IntLists *lists, int32_t entry,
                 const Py_UCS4 *stem, Py_ssize_t n)
{
    const int32_t *form = lists->items + lists->first[entry];
    for (int32_t k = 0; k < lists->count[entry]; k++) {
        if (within_budget(self, stem, n, form[k])) {
            return 1;
        }
    }
    return 0;
}

static int
gate_init(FuzzyGate *self, PyObject *args, PyObject *kwargs)
{
    static char *names[] = {"prefixes", "known",     "forms",    "allowed",    "variants",
                            "heads",    "tails",     "pieces",   "deletions",  "min_stem",
                            "min_length", "max_length", NULL};
    PyObject *prefixes, *known, *forms, *allowed, *variants, *heads, *tails, *pieces, *deletions;
    gate_clear(self);
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOOOOOOOOnnn:FuzzyGate", names, &prefixes,
                                     &known, &forms, &allowed, &variants, &heads, &tails,
                                     &pieces, &deletions, &self->min_stem, &self->min_length,
                                     &self->max_length)) {
        return -1;
    }
    if (strset_build(&self->prefixes, prefixes) < 0 || strset_build(&self->known, known) < 0 ||
        build_forms(self, forms, allowed) < 0 ||
        build_lists(&self->variants, &self->variant_forms, variants, self->form_count) < 0 ||
        build_ends(&self->heads, &self->head_lengths, heads) < 0 ||
        build_ends(&self->tails, &self->tail_lengths, tails) < 0 ||
        build_pieces(self, pieces) < 0 ||
        build_lists(&self->deletions, &self->deletion_forms, deletions, self->form_count) < 0) {
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
            const int32_t *place = self->piece_places + 3 * self->piece_first[piece];
            for (int32_t k = 0; k < self->piece_count[piece]; k++, place += 3) {
                if (labs((long)(end - place[0])) <= 2 && labs((long)(n - place[1])) <= 2 &&
                    within_budget(self, stem, n, place[2])) {
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
    int32_t entry = strset_find(&self->deletions, stem, n, hash_codes(stem, n));
    if (entry >= 0 && some_form_within(self, &self->deletion_forms, entry, stem, n)) {
        return 1;
    }
    Py_UCS4 shorter[MAX_WORD];
    for (Py_ssize_t i = 0; i < n; i++) {
        memcpy(shorter, stem, (size_t)i * sizeof(Py_UCS4));
        memcpy(shorter + i, stem + i + 1, (size_t)(n - i - 1) * sizeof(Py_UCS4));
        entry = strset_find(&self->deletions, shorter, n - 1, hash_codes(shorter, n - 1));
        if (entry >= 0 && some_form_within(self, &self->deletion_forms, entry, stem, n)) {
            return 1;
        }
    }
    return 0;
}

/* some form of FuzzyIndex.candidates(stem) is within its budget of the stem */
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
    int32_t variant = strset_find(&self->variants, stem, n, h);
    if (variant >= 0 && some_form_within(self, &self->variant_forms, variant, stem, n)) {
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
