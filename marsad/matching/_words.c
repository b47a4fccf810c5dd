/* A text's words with their proclitics cut: the compiled fast path of store.archive_words.
 *
 * WordCutter(prefixes, max_word)
 * cutter.cut(tokens) -> set of str: for each distinct token, its first `max_word` characters,
 *     and for each run of `prefixes` it starts with (leaving at least one letter), the next
 *     `max_word` characters after the run.
 *
 * The archive index keeps these words for every stored item (~300 tokens, a fifth of them
 * starting with a proclitic letter); archive_words.item_words does the same in Python where
 * this was not built, and tests/store/test_archive_words.py holds the two to the same words.
 */
#include "_strset.h"

#define MAX_PREFIX 16

typedef struct {
    PyObject_HEAD
    StrSet prefixes;
    Py_ssize_t longest, max_word;
} WordCutter;

static void
cutter_dealloc(WordCutter *self)
{
    strset_free(&self->prefixes);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int
cutter_init(WordCutter *self, PyObject *args, PyObject *kwargs)
{
    static char *names[] = {"prefixes", "max_word", NULL};
    PyObject *prefixes;
    Py_ssize_t max_word;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "On:WordCutter", names, &prefixes,
                                     &max_word)) {
        return -1;
    }
    if (max_word < 1) {
        PyErr_SetString(PyExc_ValueError, "max_word must be at least 1");
        return -1;
    }
    strset_free(&self->prefixes);
    if (strset_build(&self->prefixes, prefixes) < 0) {
        return -1;
    }
    self->longest = 0;
    for (int32_t i = 0; i < self->prefixes.count; i++) {
        if (self->prefixes.len[i] > MAX_PREFIX) {
            strset_free(&self->prefixes);
            PyErr_Format(PyExc_ValueError, "prefixes are at most %d characters", MAX_PREFIX);
            return -1;
        }
        if (self->prefixes.len[i] > self->longest) {
            self->longest = self->prefixes.len[i];
        }
    }
    self->max_word = max_word;
    return 0;
}

/* add text[start : start + max_word] to `words` */
static int
add_word(PyObject *words, PyObject *token, Py_ssize_t start, Py_ssize_t length,
         Py_ssize_t max_word)
{
    Py_ssize_t end = start + max_word < length ? start + max_word : length;
    if (start == 0 && end == length) {
        return PySet_Add(words, token);
    }
    PyObject *word = PyUnicode_Substring(token, start, end);
    if (word == NULL) {
        return -1;
    }
    int added = PySet_Add(words, word);
    Py_DECREF(word);
    return added;
}

static PyObject *
cutter_cut(WordCutter *self, PyObject *tokens)
{
    PyObject *iterator = PyObject_GetIter(tokens);
    PyObject *words = PySet_New(NULL);
    if (iterator == NULL || words == NULL) {
        Py_XDECREF(iterator);
        Py_XDECREF(words);
        return NULL;
    }
    PyObject *token;
    int failed = 0;
    while (!failed && (token = PyIter_Next(iterator)) != NULL) {
        if (!PyUnicode_Check(token)) {
            PyErr_SetString(PyExc_TypeError, "tokens must be str");
            failed = 1;
        }
        else {
            Py_ssize_t length = PyUnicode_GET_LENGTH(token);
            failed = length > 0 && add_word(words, token, 0, length, self->max_word) < 0;
            int kind = PyUnicode_KIND(token);
            const void *data = PyUnicode_DATA(token);
            Py_UCS4 head[MAX_PREFIX];
            for (Py_ssize_t size = 1; !failed && size <= self->longest && size < length; size++) {
                head[size - 1] = PyUnicode_READ(kind, data, size - 1);
                if (strset_find(&self->prefixes, head, size, hash_codes(head, size)) >= 0) {
                    failed = add_word(words, token, size, length, self->max_word) < 0;
                }
            }
        }
        Py_DECREF(token);
    }
    Py_DECREF(iterator);
    if (failed || PyErr_Occurred()) {
        Py_DECREF(words);
        return NULL;
    }
    return words;
}

static PyMethodDef cutter_methods[] = {
    {"cut", (PyCFunction)cutter_cut, METH_O,
     "cut(tokens) -> each token and what follows each run of proclitics it starts with."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject WordCutterType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "marsad.matching._words.WordCutter",
    .tp_basicsize = sizeof(WordCutter),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Tokens with their runs of proclitics cut off, for the archive index.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)cutter_init,
    .tp_dealloc = (destructor)cutter_dealloc,
    .tp_methods = cutter_methods,
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "marsad.matching._words",
    .m_doc = "The compiled proclitic cutter of the archive index (see store/archive_words.py).",
    .m_size = -1,
};

PyMODINIT_FUNC
PyInit__words(void)
{
    if (PyType_Ready(&WordCutterType) < 0) {
        return NULL;
    }
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) {
        return NULL;
    }
    Py_INCREF(&WordCutterType);
    if (PyModule_AddObject(m, "WordCutter", (PyObject *)&WordCutterType) < 0) {
        Py_DECREF(&WordCutterType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
