/* Exact keys in token-joined folded text: the compiled fast path of automaton.KeyIndex.
 *
 * KeyTable(keys)  keys are word sequences closed by a space ("w1 w2 ... wn "), as
 *                 patterns.Pattern.key writes them.
 * table.find(haystack, max_prefix) -> bytes of native int32 rows, one per occurrence: (index
 *                 of the key in `keys`, offset of its first token, offset where the key
 *                 starts, token number).
 *
 * `haystack` is " " + tokens joined by single spaces + " ".  A key occurs where its first
 * word is a token, or a token's end after at most `max_prefix` leading characters (the
 * proclitics the caller then checks), and its later words are the tokens that follow.  That
 * is every place an Aho-Corasick automaton over the keys reports, found instead by hashing
 * each token's few possible stems and reading on only where a first word is known: the work
 * no longer grows with the number of keys.  Rows come in the automaton's order: by the
 * offset after the key, longer keys first at one end.
 */
#include "_strset.h"

typedef struct {
    PyObject_HEAD
    Py_UCS4 *codes;     /* every first word, then every key's rest (" w2 ... wn "), in a row */
    int32_t *word_at;   /* first word i: codes[word_at[i] .. word_at[i] + word_len[i]) */
    int32_t *word_len;
    int32_t *word_key;  /* first key of word i; keys of one word chain through key_next */
    uint64_t *word_hash;
    int32_t *key_next;
    int32_t *rest_at;   /* key k's words after the first, with their spaces */
    int32_t *rest_len;
    int32_t *slots;     /* open addressing over word_hash: word index or -1 */
    uint64_t mask;
    int32_t min_len, max_len;
} KeyTable;

static void
table_free(KeyTable *self)
{
    PyMem_Free(self->codes);
    PyMem_Free(self->word_at);
    PyMem_Free(self->word_len);
    PyMem_Free(self->word_key);
    PyMem_Free(self->word_hash);
    PyMem_Free(self->key_next);
    PyMem_Free(self->rest_at);
    PyMem_Free(self->rest_len);
    PyMem_Free(self->slots);
    self->codes = NULL;
    self->word_at = self->word_len = self->word_key = self->key_next = NULL;
    self->rest_at = self->rest_len = self->slots = NULL;
    self->word_hash = NULL;
}

static void
table_dealloc(KeyTable *self)
{
    table_free(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* the word index of codes[0..length) with hash h, or -1 */
static int32_t
lookup(const KeyTable *self, const Py_UCS4 *codes, int32_t length, uint64_t h)
{
    for (uint64_t slot = mix(h) & self->mask;; slot = (slot + 1) & self->mask) {
        int32_t word = self->slots[slot];
        if (word < 0) {
            return -1;
        }
        if (self->word_hash[word] == h && self->word_len[word] == length &&
            memcmp(self->codes + self->word_at[word], codes, (size_t)length * sizeof(Py_UCS4)) ==
                0) {
            return word;
        }
    }
}

static int
table_init(KeyTable *self, PyObject *args, PyObject *kwargs)
{
    static char *names[] = {"keys", NULL};
    PyObject *given;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O:KeyTable", names, &given)) {
        return -1;
    }
    PyObject *keys = PySequence_Fast(given, "keys must be a sequence of str");
    if (keys == NULL) {
        return -1;
    }
    table_free(self);
    Py_ssize_t count = PySequence_Fast_GET_SIZE(keys);
    Py_ssize_t total = 0;
    for (Py_ssize_t k = 0; k < count; k++) {
        PyObject *key = PySequence_Fast_GET_ITEM(keys, k);
        if (!PyUnicode_Check(key)) {
            PyErr_SetString(PyExc_TypeError, "keys must be str");
            goto error;
        }
        Py_ssize_t length = PyUnicode_GET_LENGTH(key);
        if (length < 2 || PyUnicode_READ_CHAR(key, length - 1) != ' ' ||
            PyUnicode_READ_CHAR(key, 0) == ' ') {
            PyErr_Format(PyExc_ValueError, "key %R is not words closed by a space", key);
            goto error;
        }
        total += length;
    }
    if (total > INT32_MAX / 2 || count > INT32_MAX / 4) {
        PyErr_SetString(PyExc_OverflowError, "too many keys for the compiled table");
        goto error;
    }
    uint64_t size = 8;
    while (size < (uint64_t)count * 2) {
        size <<= 1;
    }
    self->mask = size - 1;
    self->codes = PyMem_Malloc((size_t)(total + 1) * sizeof(Py_UCS4));
    self->word_at = PyMem_Malloc((size_t)(count + 1) * sizeof(int32_t));
    self->word_len = PyMem_Malloc((size_t)(count + 1) * sizeof(int32_t));
    self->word_key = PyMem_Malloc((size_t)(count + 1) * sizeof(int32_t));
    self->word_hash = PyMem_Malloc((size_t)(count + 1) * sizeof(uint64_t));
    self->key_next = PyMem_Malloc((size_t)(count + 1) * sizeof(int32_t));
    self->rest_at = PyMem_Malloc((size_t)(count + 1) * sizeof(int32_t));
    self->rest_len = PyMem_Malloc((size_t)(count + 1) * sizeof(int32_t));
    self->slots = PyMem_Malloc((size_t)size * sizeof(int32_t));
    if (!self->codes || !self->word_at || !self->word_len || !self->word_key ||
        !self->word_hash || !self->key_next || !self->rest_at || !self->rest_len ||
        !self->slots) {
        PyErr_NoMemory();
        goto error;
    }
    memset(self->slots, 0xff, (size_t)size * sizeof(int32_t));
    self->min_len = INT32_MAX;
    self->max_len = 0;
    int32_t words = 0, used = 0;
    for (Py_ssize_t k = 0; k < count; k++) {
        PyObject *key = PySequence_Fast_GET_ITEM(keys, k);
        Py_ssize_t length = PyUnicode_GET_LENGTH(key);
        Py_UCS4 *at = self->codes + used;
        if (PyUnicode_AsUCS4(key, at, length, 0) == NULL) {
            goto error;
        }
        int32_t first = 0;
        while (at[first] != ' ') {
            first++;
        }
        uint64_t h = hash_codes(at, first);
        int32_t word = lookup(self, at, first, h);
        if (word < 0) {
            /* a new first word: keep its codes where they are, the rest goes after it */
            word = words++;
            self->word_at[word] = used;
            self->word_len[word] = first;
            self->word_hash[word] = h;
            self->word_key[word] = -1;
            uint64_t slot = mix(h) & self->mask;
            while (self->slots[slot] >= 0) {
                slot = (slot + 1) & self->mask;
            }
            self->slots[slot] = word;
            if (first < self->min_len) {
                self->min_len = first;
            }
            if (first > self->max_len) {
                self->max_len = first;
            }
            used += (int32_t)length;
        }
        else {
            /* a known first word: keep only this key's rest */
            memmove(at, at + first, (size_t)(length - first) * sizeof(Py_UCS4));
            used += (int32_t)(length - first);
        }
        self->rest_at[k] = used - (int32_t)(length - first);
        self->rest_len[k] = (int32_t)(length - first);
        /* chain keys in the order given, so that equal stems report keys in that order */
        self->key_next[k] = -1;
        if (self->word_key[word] < 0) {
            self->word_key[word] = (int32_t)k;
        }
        else {
            int32_t last = self->word_key[word];
            while (self->key_next[last] >= 0) {
                last = self->key_next[last];
            }
            self->key_next[last] = (int32_t)k;
        }
    }
    Py_DECREF(keys);
    return 0;

error:
    Py_DECREF(keys);
    table_free(self);
    return -1;
}

/* one occurrence, with what orders it as an automaton reports: by the offset after the key,
 * longer keys first at one end, then as found */
typedef struct {
    int32_t after, length, seq;
    int32_t key, begin, start, token;
} Row;

typedef struct {
    Row *items;
    Py_ssize_t size, capacity;
} Rows;

static int
push(Rows *out, Row row)
{
    if (out->size == out->capacity) {
        Py_ssize_t capacity = out->capacity ? out->capacity * 2 : 32;
        Row *grown = PyMem_Realloc(out->items, (size_t)capacity * sizeof(Row));
        if (grown == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        out->items = grown;
        out->capacity = capacity;
    }
    row.seq = (int32_t)out->size;
    out->items[out->size++] = row;
    return 0;
}

static int
automaton_order(const void *a, const void *b)
{
    const Row *x = a, *y = b;
    if (x->after != y->after) {
        return x->after < y->after ? -1 : 1;
    }
    if (x->length != y->length) {
        return x->length > y->length ? -1 : 1;
    }
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static PyObject *
table_find(KeyTable *self, PyObject *args)
{
    PyObject *text;
    Py_ssize_t max_prefix;
    if (!PyArg_ParseTuple(args, "Un:find", &text, &max_prefix)) {
        return NULL;
    }
    Py_ssize_t length = PyUnicode_GET_LENGTH(text);
    if (length > INT32_MAX) {
        PyErr_SetString(PyExc_OverflowError, "text too long for the compiled table");
        return NULL;
    }
    Rows out = {NULL, 0, 0};
    if (self->slots == NULL || self->max_len == 0) {
        return PyBytes_FromStringAndSize(NULL, 0);
    }
    Py_UCS4 *codes = PyUnicode_AsUCS4Copy(text);
    if (codes == NULL) {
        return NULL;
    }
    int32_t token = -1;
    Py_ssize_t i = 0;
    while (i < length) {
        if (codes[i] == ' ') {
            i++;
            continue;
        }
        Py_ssize_t begin = i, end = i;
        while (end < length && codes[end] != ' ') {
            end++;
        }
        token++;
        i = end;
        /* stems begin within max_prefix of the token's start and leave it one letter */
        Py_ssize_t last_start = begin + max_prefix;
        if (last_start > end - 1) {
            last_start = end - 1;
        }
        uint64_t h = 0;
        for (Py_ssize_t s = end - 1; s >= begin; s--) {
            h = HASH_STEP(h, codes[s]);
            if (s > last_start) {
                continue;
            }
            int32_t stem = (int32_t)(end - s);
            if (stem < self->min_len || stem > self->max_len) {
                continue;
            }
            int32_t word = lookup(self, codes + s, stem, h);
            if (word < 0) {
                continue;
            }
            for (int32_t k = self->word_key[word]; k >= 0; k = self->key_next[k]) {
                int32_t rest = self->rest_len[k];
                if (end + rest > length ||
                    memcmp(codes + end, self->codes + self->rest_at[k],
                           (size_t)rest * sizeof(Py_UCS4)) != 0) {
                    continue;
                }
                Row row = {(int32_t)(end + rest), (int32_t)(end - s + rest), 0,
                           k, (int32_t)begin, (int32_t)s, token};
                if (push(&out, row) < 0) {
                    PyMem_Free(codes);
                    PyMem_Free(out.items);
                    return NULL;
                }
            }
        }
    }
    PyMem_Free(codes);
    if (out.size > 1) {
        qsort(out.items, (size_t)out.size, sizeof(Row), automaton_order);
    }
    PyObject *packed = PyBytes_FromStringAndSize(NULL, out.size * 4 * (Py_ssize_t)sizeof(int32_t));
    if (packed != NULL) {
        int32_t *cell = (int32_t *)PyBytes_AS_STRING(packed);
        for (Py_ssize_t r = 0; r < out.size; r++) {
            *cell++ = out.items[r].key;
            *cell++ = out.items[r].begin;
            *cell++ = out.items[r].start;
            *cell++ = out.items[r].token;
        }
    }
    PyMem_Free(out.items);
    return packed;
}

static PyMethodDef table_methods[] = {
    {"find", (PyCFunction)table_find, METH_VARARGS,
     "find(haystack, max_prefix) -> int32 rows (key, token begin, start, token) of each "
     "occurrence, in the order an automaton reports them."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject KeyTableType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "marsad.matching._keys.KeyTable",
    .tp_basicsize = sizeof(KeyTable),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Word-sequence keys found by token in token-joined folded text.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)table_init,
    .tp_dealloc = (destructor)table_dealloc,
    .tp_methods = table_methods,
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "marsad.matching._keys",
    .m_doc = "The compiled exact-key table over token-joined folded text (see automaton.py).",
    .m_size = -1,
};

PyMODINIT_FUNC
PyInit__keys(void)
{
    if (PyType_Ready(&KeyTableType) < 0) {
        return NULL;
    }
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) {
        return NULL;
    }
    Py_INCREF(&KeyTableType);
    if (PyModule_AddObject(m, "KeyTable", (PyObject *)&KeyTableType) < 0) {
        Py_DECREF(&KeyTableType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
