/* The tokeniser of folded text in one pass: the compiled fast path of normalise.Scanned.
 *
 * scan(folded, min_long) -> (joined, bounds, long_words)
 *   joined      the tokens, IGNORED characters removed, joined by single spaces;
 *   bounds      bytes of native int32 pairs: each token's [start, end) offsets in `folded`;
 *   long_words  the set of distinct tokens of at least `min_long` characters.
 * fold_scan(text, min_long) -> scan(text folded, min_long), bounds in `text`
 *   folds each character by the table given to set_fold (normalise's same-length fold,
 *   remembered here per character), then scans.  Where a character folds to several (the
 *   table gives EXPANDS: a ligature), the text is folded again by set_fold's whole fold,
 *   each folded character remembering the offset it comes from (normalise.scan_slow).
 *
 * A token is what normalise._TOKEN_RE matches: a run of Arabic letters, of ASCII digits, or of
 * other word characters (re's \w less \d, "_" and the Arabic blocks), IGNORED (\x02) allowed
 * after its first character.  Classes never mix: a change of class ends a token and may start
 * the next one at once.  The pure-Python path in normalise.py gives the same result for every
 * text (tests/matching/test_scan_compiled.py checks it on generated texts).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

enum { SEP = 0, ARABIC = 1, DIGIT = 2, OTHER = 3, IGNORED = 4 };
#define EXPANDS 0x03 /* normalise.EXPANDS: the fold of a character that folds to several */

static int
char_class(Py_UCS4 c)
{
    if (c == 0x02) {
        return IGNORED;
    }
    if (c < 0x80) {
        if (c >= '0' && c <= '9') {
            return DIGIT;
        }
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
            return OTHER;
        }
        return SEP;
    }
    /* normalise._ARABIC */
    if ((c >= 0x0621 && c <= 0x063a) || (c >= 0x0641 && c <= 0x064a) || c == 0x066e ||
        c == 0x066f || (c >= 0x0671 && c <= 0x06d3) || c == 0x06d5 || c == 0x06ee ||
        c == 0x06ef || (c >= 0x06fa && c <= 0x06fc) || c == 0x06ff ||
        (c >= 0x0750 && c <= 0x077f) || (c >= 0x08a0 && c <= 0x08c8)) {
        return ARABIC;
    }
    /* normalise._ARABIC_BLOCKS: never "other" */
    if ((c >= 0x0600 && c <= 0x06ff) || (c >= 0x0750 && c <= 0x077f) ||
        (c >= 0x08a0 && c <= 0x08ff) || (c >= 0xfb50 && c <= 0xfdff) ||
        (c >= 0xfe70 && c <= 0xfeff)) {
        return SEP;
    }
    /* re's \w is str.isalnum() or "_"; \d is str.isdecimal() */
    if (Py_UNICODE_ISALNUM(c) && !Py_UNICODE_ISDECIMAL(c)) {
        return OTHER;
    }
    return SEP;
}

/* char_class of every BMP character, filled when the module is imported */
static uint8_t bmp_class[0x10000];

static inline int
class_of(Py_UCS4 c)
{
    return c < 0x10000 ? bmp_class[c] : char_class(c);
}

typedef struct {
    int32_t *items;
    Py_ssize_t size;
    Py_ssize_t capacity;
} Bounds;

static int
bounds_push(Bounds *b, Py_ssize_t start, Py_ssize_t end)
{
    if (b->size + 2 > b->capacity) {
        Py_ssize_t capacity = b->capacity ? b->capacity * 2 : 256;
        int32_t *grown = PyMem_Realloc(b->items, (size_t)capacity * sizeof(int32_t));
        if (grown == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        b->items = grown;
        b->capacity = capacity;
    }
    b->items[b->size++] = (int32_t)start;
    b->items[b->size++] = (int32_t)end;
    return 0;
}

/* Close the token written at out[token_out, out_len): its bounds, and the long-word set. */
static int
close_token(Bounds *bounds, const int32_t *origin, PyObject *long_words, int kind, void *out,
            Py_ssize_t token_out, Py_ssize_t out_len, Py_ssize_t start, Py_ssize_t end,
            Py_ssize_t min_long)
{
    if (origin != NULL) {
        /* offsets into the text before some characters were expanded */
        start = origin[start];
        end = origin[end - 1] + 1;
    }
    if (bounds_push(bounds, start, end) < 0) {
        return -1;
    }
    Py_ssize_t length = out_len - token_out;
    if (length >= min_long) {
        PyObject *word = PyUnicode_FromKindAndData(kind, (char *)out + token_out * kind, length);
        if (word == NULL) {
            return -1;
        }
        int added = PySet_Add(long_words, word);
        Py_DECREF(word);
        if (added < 0) {
            return -1;
        }
    }
    return 0;
}

/* The tokens of folded characters `data` (of a str kind): (joined, bounds, long_words);
 * bounds are offsets into `data`, or where `origin` is given, origin's offsets for them. */
static PyObject *
scan_data(int kind, const void *data, const int32_t *origin, Py_ssize_t length,
          Py_ssize_t min_long)
{

    /* joined is never longer than the text plus one space per token, at most twice it */
    void *out = PyMem_Malloc((size_t)(2 * length + 1) * (size_t)kind);
    Bounds bounds = {NULL, 0, 0};
    PyObject *long_words = PySet_New(NULL);
    if (out == NULL || long_words == NULL) {
        PyMem_Free(out);
        Py_XDECREF(long_words);
        return PyErr_NoMemory();
    }

    Py_ssize_t out_len = 0, token_out = 0, start = 0;
    int current = SEP; /* class of the token being read, SEP when between tokens */
    /* one loop per string kind, so that reading and writing a character is one load */
#define SCAN_LOOP(TYPE) \
    for (Py_ssize_t i = 0; i < length; i++) { \
        Py_UCS4 c = ((const TYPE *)data)[i]; \
        int k = class_of(c); \
        if (current != SEP) { \
            if (k == IGNORED) { \
                continue; \
            } \
            if (k == current) { \
                ((TYPE *)out)[out_len++] = (TYPE)c; \
                continue; \
            } \
            if (close_token(&bounds, origin, long_words, kind, out, token_out, out_len, start, i, \
                            min_long) < 0) { \
                goto error; \
            } \
            current = SEP; \
        } \
        if (k == ARABIC || k == DIGIT || k == OTHER) { \
            if (out_len) { \
                ((TYPE *)out)[out_len++] = (TYPE)' '; \
            } \
            token_out = out_len; \
            start = i; \
            current = k; \
            ((TYPE *)out)[out_len++] = (TYPE)c; \
        } \
    }
    switch (kind) {
    case PyUnicode_1BYTE_KIND:
        SCAN_LOOP(Py_UCS1)
        break;
    case PyUnicode_2BYTE_KIND:
        SCAN_LOOP(Py_UCS2)
        break;
    default:
        SCAN_LOOP(Py_UCS4)
        break;
    }
#undef SCAN_LOOP
    if (current != SEP) {
        /* a token runs to the end of the text, trailing IGNORED characters included */
        if (close_token(&bounds, origin, long_words, kind, out, token_out, out_len, start, length,
                        min_long) < 0) {
            goto error;
        }
    }

    PyObject *joined = PyUnicode_FromKindAndData(kind, out, out_len);
    PyObject *packed = PyBytes_FromStringAndSize(
        (const char *)bounds.items, bounds.size * (Py_ssize_t)sizeof(int32_t));
    PyMem_Free(out);
    PyMem_Free(bounds.items);
    if (joined == NULL || packed == NULL) {
        Py_XDECREF(joined);
        Py_XDECREF(packed);
        Py_DECREF(long_words);
        return NULL;
    }
    PyObject *result = PyTuple_Pack(3, joined, packed, long_words);
    Py_DECREF(joined);
    Py_DECREF(packed);
    Py_DECREF(long_words);
    return result;

error:
    PyMem_Free(out);
    PyMem_Free(bounds.items);
    Py_DECREF(long_words);
    return NULL;
}

static PyObject *
scan(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *text;
    Py_ssize_t min_long;
    if (!PyArg_ParseTuple(args, "Un:scan", &text, &min_long)) {
        return NULL;
    }
    Py_ssize_t length = PyUnicode_GET_LENGTH(text);
    if (length > INT32_MAX) {
        PyErr_SetString(PyExc_OverflowError, "text too long for the compiled scanner");
        return NULL;
    }
    return scan_data(PyUnicode_KIND(text), PyUnicode_DATA(text), NULL, length, min_long);
}

/* normalise's same-length fold of one character (a str.translate table) and its whole fold
 * of one character (for those the table gives EXPANDS), and what the table gave for each
 * BMP character so far (NOT_YET: not asked yet) */
static PyObject *fold_table = NULL;
static PyObject *fold_whole = NULL;
#define NOT_YET 0xffffffffu
static uint32_t folded_bmp[0x10000];

static PyObject *
set_fold(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *table, *whole;
    if (!PyArg_ParseTuple(args, "OO:set_fold", &table, &whole)) {
        return NULL;
    }
    /* a new table (normalise imported again): forget what the old one gave */
    for (Py_UCS4 c = 0; c < 0x10000; c++) {
        folded_bmp[c] = NOT_YET;
    }
    Py_INCREF(table);
    Py_XSETREF(fold_table, table);
    Py_INCREF(whole);
    Py_XSETREF(fold_whole, whole);
    Py_RETURN_NONE;
}

/* table[c] as one character, or -1 with an exception set */
static int64_t
fold_char(Py_UCS4 c)
{
    if (c < 0x10000 && folded_bmp[c] != NOT_YET) {
        return folded_bmp[c];
    }
    PyObject *code = PyLong_FromUnsignedLong(c);
    PyObject *folded = code ? PyObject_GetItem(fold_table, code) : NULL;
    Py_XDECREF(code);
    if (folded == NULL) {
        return -1;
    }
    if (!PyUnicode_Check(folded) || PyUnicode_GET_LENGTH(folded) != 1) {
        Py_DECREF(folded);
        PyErr_SetString(PyExc_ValueError, "the fold table must give one character");
        return -1;
    }
    Py_UCS4 value = PyUnicode_READ_CHAR(folded, 0);
    Py_DECREF(folded);
    if (c < 0x10000) {
        folded_bmp[c] = value;
    }
    return value;
}

typedef struct {
    Py_UCS4 *chars;
    int32_t *origin; /* the text offset each folded character comes from */
    Py_ssize_t size, capacity;
} Folded;

static int
folded_push(Folded *f, Py_UCS4 c, Py_ssize_t origin)
{
    if (f->size == f->capacity) {
        Py_ssize_t capacity = f->capacity * 2 + 16;
        Py_UCS4 *chars = PyMem_Realloc(f->chars, (size_t)capacity * sizeof(Py_UCS4));
        if (chars == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        f->chars = chars;
        int32_t *offsets = PyMem_Realloc(f->origin, (size_t)capacity * sizeof(int32_t));
        if (offsets == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        f->origin = offsets;
        f->capacity = capacity;
    }
    f->chars[f->size] = c;
    f->origin[f->size++] = (int32_t)origin;
    return 0;
}

/* The text folded with every character's whole fold, each folded character remembering its
 * text offset (normalise.scan_slow's way); -1 with an exception set on failure. */
static int
fold_expanding(Folded *f, int kind, const void *data, Py_ssize_t length)
{
    for (Py_ssize_t i = 0; i < length; i++) {
        Py_UCS4 original = PyUnicode_READ(kind, data, i);
        int64_t c = fold_char(original);
        if (c < 0) {
            return -1;
        }
        if (c != EXPANDS) {
            if (folded_push(f, (Py_UCS4)c, i) < 0) {
                return -1;
            }
            continue;
        }
        PyObject *whole = PyObject_CallFunction(fold_whole, "C", (int)original);
        if (whole == NULL) {
            return -1;
        }
        if (!PyUnicode_Check(whole)) {
            Py_DECREF(whole);
            PyErr_SetString(PyExc_TypeError, "the whole fold must give a str");
            return -1;
        }
        Py_ssize_t n = PyUnicode_GET_LENGTH(whole);
        int failed = n == 0 ? folded_push(f, 0x02, i) : 0; /* nothing left: IGNORED */
        for (Py_ssize_t j = 0; j < n && !failed; j++) {
            failed = folded_push(f, PyUnicode_READ_CHAR(whole, j), i);
        }
        Py_DECREF(whole);
        if (failed) {
            return -1;
        }
    }
    return 0;
}

static PyObject *
fold_scan(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *text;
    Py_ssize_t min_long;
    if (!PyArg_ParseTuple(args, "Un:fold_scan", &text, &min_long)) {
        return NULL;
    }
    if (fold_table == NULL || fold_whole == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "set_fold was not called");
        return NULL;
    }
    Py_ssize_t length = PyUnicode_GET_LENGTH(text);
    if (length > INT32_MAX / 4) {
        PyErr_SetString(PyExc_OverflowError, "text too long for the compiled scanner");
        return NULL;
    }
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_UCS4 *folded = PyMem_Malloc((size_t)(length + 1) * sizeof(Py_UCS4));
    if (folded == NULL) {
        return PyErr_NoMemory();
    }
    for (Py_ssize_t i = 0; i < length; i++) {
        int64_t c = fold_char(PyUnicode_READ(kind, data, i));
        if (c < 0) {
            PyMem_Free(folded);
            return NULL;
        }
        if (c == EXPANDS) {
            /* a character folding to several (a ligature): fold again, keeping offsets */
            PyMem_Free(folded);
            Folded f = {NULL, NULL, 0, 0};
            PyObject *result = NULL;
            if (fold_expanding(&f, kind, data, length) == 0) {
                result = scan_data(PyUnicode_4BYTE_KIND, f.chars, f.origin, f.size, min_long);
            }
            PyMem_Free(f.chars);
            PyMem_Free(f.origin);
            return result;
        }
        folded[i] = (Py_UCS4)c;
    }
    PyObject *result = scan_data(PyUnicode_4BYTE_KIND, folded, NULL, length, min_long);
    PyMem_Free(folded);
    return result;
}

static PyMethodDef methods[] = {
    {"scan", scan, METH_VARARGS,
     "scan(folded, min_long) -> (joined, bounds, long_words): tokens of folded text."},
    {"set_fold", set_fold, METH_VARARGS,
     "set_fold(table, whole): each character's same-length and whole folds, for fold_scan."},
    {"fold_scan", fold_scan, METH_VARARGS,
     "fold_scan(text, min_long) -> scan(fold(text), min_long), or None when a character "
     "folds to several."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "marsad.matching._scan",
    .m_doc = "The compiled tokeniser of folded text (see normalise.Scanned).",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC
PyInit__scan(void)
{
    for (Py_UCS4 c = 0; c < 0x10000; c++) {
        bmp_class[c] = (uint8_t)char_class(c);
        folded_bmp[c] = NOT_YET;
    }
    return PyModule_Create(&module);
}
