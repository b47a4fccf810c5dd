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
    StrSet words;       /* the keys' first words */
    int32_t *word_key;  /* first key of word i; keys of one word chain through key_next */
    int32_t *word_last; /* last key of word i, where the next one is chained */
    int32_t *key_next;
    Py_UCS4 *rests;     /* key k's words after the first, with their spaces: */
    int32_t *rest_at;   /* rests[rest_at[k] .. rest_at[k] + rest_len[k]) */
    int32_t *rest_len;
    int32_t min_len, max_len;
} KeyTable;

static void
table_free(KeyTable *self)
{
    strset_free(&self->words);
    PyMem_Free(self->word_key);
    PyMem_Free(self->word_last);
    PyMem_Free(self->key_next);
    PyMem_Free(self->rests);
    PyMem_Free(self->rest_at);
    PyMem_Free(self->rest_len);
    self->word_key = self->word_last = self->key_next = NULL;
    self->rest_at = self->rest_len = NULL;
    self->rests = NULL;
}

static void
table_dealloc(KeyTable *self)
{
    table_free(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* Each key's first word, as a list; NULL with an exception set for a key that is not words
 * closed by a space. */
static PyObject *
first_words(PyObject *keys, Py_ssize_t *total)
{
    Py_ssize_t count = PySequence_Fast_GET_SIZE(keys);
    PyObject *firsts = PyList_New(count);
    *total = 0;
    for (Py_ssize_t k = 0; firsts != NULL && k < count; k++) {
        PyObject *key = PySequence_Fast_GET_ITEM(keys, k);
        if (!PyUnicode_Check(key)) {
            PyErr_SetString(PyExc_TypeError, "keys must be str");
            Py_CLEAR(firsts);
            break;
        }
        Py_ssize_t length = PyUnicode_GET_LENGTH(key);
        if (length < 2 || PyUnicode_READ_CHAR(key, length - 1) != ' ' ||
            PyUnicode_READ_CHAR(key, 0) == ' ') {
            PyErr_Format(PyExc_ValueError, "key %R is not words closed by a space", key);
            Py_CLEAR(firsts);
            break;
        }
        Py_ssize_t space = PyUnicode_FindChar(key, ' ', 0, length, 1);
        PyObject *first = PyUnicode_Substring(key, 0, space);
        if (first == NULL) {
            Py_CLEAR(firsts);
            break;
        }
        PyList_SET_ITEM(firsts, k, first);
        *total += length;
    }
    return firsts;
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
    Py_ssize_t count = PySequence_Fast_GET_SIZE(keys), total;
    PyObject *firsts = first_words(keys, &total);
    if (firsts == NULL) {
        goto error;
    }
    if (total > INT32_MAX / 2) {
        PyErr_SetString(PyExc_OverflowError, "too many keys for the compiled table");
        goto error;
    }
    if (strset_build(&self->words, firsts) < 0) {
        goto error;
    }
    Py_ssize_t words = self->words.count;
    self->word_key = PyMem_Malloc((size_t)(words + 1) * sizeof(int32_t));
    self->word_last = PyMem_Malloc((size_t)(words + 1) * sizeof(int32_t));
    self->key_next = PyMem_Malloc((size_t)(count + 1) * sizeof(int32_t));
    self->rests = PyMem_Malloc((size_t)(total + 1) * sizeof(Py_UCS4));
    self->rest_at = PyMem_Malloc((size_t)(count + 1) * sizeof(int32_t));
    self->rest_len = PyMem_Malloc((size_t)(count + 1) * sizeof(int32_t));
    if (!self->word_key || !self->word_last || !self->key_next || !self->rests ||
        !self->rest_at || !self->rest_len) {
        PyErr_NoMemory();
        goto error;
    }
    memset(self->word_key, 0xff, (size_t)(words + 1) * sizeof(int32_t));
    self->min_len = INT32_MAX;
    self->max_len = 0;
    for (Py_ssize_t w = 0; w < words; w++) {
        int32_t length = self->words.len[w];
        self->min_len = length < self->min_len ? length : self->min_len;
        self->max_len = length > self->max_len ? length : self->max_len;
    }
    int32_t used = 0;
    for (Py_ssize_t k = 0; k < count; k++) {
        PyObject *key = PySequence_Fast_GET_ITEM(keys, k);
        Py_ssize_t length = PyUnicode_GET_LENGTH(key);
        Py_ssize_t first = PyUnicode_GET_LENGTH(PyList_GET_ITEM(firsts, k));
        Py_UCS4 *at = self->rests + used;
        if (PyUnicode_AsUCS4(key, at, length, 0) == NULL) {
            goto error;
        }
        int32_t word = strset_find(&self->words, at, first, hash_codes(at, first));
        /* keep only the rest; chain keys in the order given, so that equal stems report
         * keys in that order */
        memmove(at, at + first, (size_t)(length - first) * sizeof(Py_UCS4));
        self->rest_at[k] = used;
        self->rest_len[k] = (int32_t)(length - first);
        used += (int32_t)(length - first);
        self->key_next[k] = -1;
        if (self->word_key[word] < 0) {
            self->word_key[word] = (int32_t)k;
        }
        else {
            self->key_next[self->word_last[word]] = (int32_t)k;
        }
        self->word_last[word] = (int32_t)k;
    }
    Py_DECREF(firsts);
    Py_DECREF(keys);
    return 0;

error:
    Py_XDECREF(firsts);
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
    if (self->words.count == 0) {
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
            int32_t word = strset_find(&self->words, codes + s, stem, h);
            if (word < 0) {
                continue;
            }
            for (int32_t k = self->word_key[word]; k >= 0; k = self->key_next[k]) {
                int32_t rest = self->rest_len[k];
                if (end + rest > length ||
                    memcmp(codes + end, self->rests + self->rest_at[k],
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
