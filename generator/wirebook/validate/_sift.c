/* The inner loop of the fast path of `wirebook validate` (see fast.py), in C.

   sift(decode, lines) calls decode(line) for each line; it returns the types of the values of
   the lines that decode and are not suspect, and the indexes of the other lines. decode raising
   ValueError or RecursionError refuses a line; any other exception propagates.

   suspect(text) says whether a JSON text may be read otherwise by msgspec or orjson than by
   JSON Schema's reader. Above all: an object that repeats a key, which both let pass (the last
   value wins) and JSON Schema must not see, as readers disagree on which value counts. The keys
   of each object are compared byte for byte, which is exact for keys without an escape (UTF-8,
   checked by the parser, writes a string one way only). Suspect as well, as not looked at
   closely here: a key with an escape, more keys open at once or deeper nesting than is kept
   track of, and a number of 19 digits or more (orjson reads an integer beyond 64 bits as a
   float). A suspect line goes to the exact path, which reads it with Python's own parser. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

#define MAX_DEPTH 64 /* nesting kept track of */
#define MAX_KEYS 256 /* keys of the objects open at one time */

typedef struct {
    const char *start;
    Py_ssize_t size;
} Key;

#define MAX_DIGITS 19 /* a longer number may be an integer beyond 64 bits */

/* 1: some object repeats a key, or the text is beyond what is looked at closely; 0: neither. */
static int
suspect(const char *text, Py_ssize_t size)
{
    Key keys[MAX_KEYS];
    int first_key[MAX_DEPTH]; /* per open container: index of its first key in keys */
    char is_object[MAX_DEPTH];
    int depth = 0, count = 0, expect_key = 0, digits = 0;
    Py_ssize_t i = 0;
    while (i < size) {
        char c = text[i];
        if (c == '"') {
            Py_ssize_t start = ++i;
            /* most strings have no escape: two memchr() find their end */
            const char *quote = memchr(text + i, '"', size - i);
            if (quote == NULL) {
                return 1; /* no closing quote: not JSON that msgspec accepted */
            }
            int escaped = memchr(text + i, '\\', quote - (text + i)) != NULL;
            if (escaped) {
                while (i < size && text[i] != '"') {
                    if (text[i] == '\\') {
                        i++; /* the escaped character, a quote or a backslash among them */
                    }
                    i++;
                }
                if (i >= size) {
                    return 1;
                }
            }
            else {
                i = quote - text;
            }
            if (expect_key) {
                Py_ssize_t length = i - start;
                if (escaped || count >= MAX_KEYS) {
                    return 1;
                }
                for (int k = first_key[depth - 1]; k < count; k++) {
                    if (keys[k].size == length && memcmp(keys[k].start, text + start, length) == 0) {
                        return 1;
                    }
                }
                keys[count].start = text + start;
                keys[count].size = length;
                count++;
                expect_key = 0;
            }
            i++; /* the closing quote */
            digits = 0;
            continue;
        }
        if (c >= '0' && c <= '9') {
            if (++digits >= MAX_DIGITS) {
                return 1;
            }
            i++;
            continue;
        }
        digits = 0;
        if (c == '{' || c == '[') {
            if (depth >= MAX_DEPTH) {
                return 1;
            }
            first_key[depth] = count;
            is_object[depth] = (c == '{');
            depth++;
            expect_key = (c == '{');
        }
        else if (c == '}' || c == ']') {
            if (depth == 0) {
                return 1;
            }
            depth--;
            count = first_key[depth]; /* the closed object's keys are done with */
            expect_key = 0;
        }
        else if (c == ',') {
            expect_key = depth > 0 && is_object[depth - 1];
        }
        i++;
    }
    return 0;
}

static PyObject *
sift(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "sift(decode, lines) takes 2 arguments");
        return NULL;
    }
    PyObject *decode = args[0];
    /* a tuple of its own: decode may run Python code, which must not change what is looped over */
    PyObject *lines = PySequence_Tuple(args[1]);
    if (lines == NULL) {
        return NULL;
    }
    PyObject *kinds = PyList_New(0);
    PyObject *refused = PyList_New(0);
    if (kinds == NULL || refused == NULL) {
        goto failed;
    }
    Py_ssize_t n = PyTuple_GET_SIZE(lines);
    for (Py_ssize_t index = 0; index < n; index++) {
        PyObject *line = PyTuple_GET_ITEM(lines, index);
        if (!PyBytes_Check(line)) {
            PyErr_SetString(PyExc_TypeError, "lines must be a sequence of bytes");
            goto failed;
        }
        PyObject *value = PyObject_CallOneArg(decode, line);
        if (value == NULL) {
            if (!PyErr_ExceptionMatches(PyExc_ValueError)
                && !PyErr_ExceptionMatches(PyExc_RecursionError)) {
                goto failed;
            }
            PyErr_Clear();
        }
        else if (!suspect(PyBytes_AS_STRING(line), PyBytes_GET_SIZE(line))) {
            /* only the value's type is kept (to count the lines per message type): freed now,
               the value's memory is used again for the next line's */
            int appended = PyList_Append(kinds, (PyObject *)Py_TYPE(value));
            Py_DECREF(value);
            if (appended < 0) {
                goto failed;
            }
            continue;
        }
        else {
            Py_DECREF(value);
        }
        PyObject *number = PyLong_FromSsize_t(index);
        if (number == NULL || PyList_Append(refused, number) < 0) {
            Py_XDECREF(number);
            goto failed;
        }
        Py_DECREF(number);
    }
    Py_DECREF(lines);
    return Py_BuildValue("(NN)", kinds, refused);

failed:
    Py_DECREF(lines);
    Py_XDECREF(kinds);
    Py_XDECREF(refused);
    return NULL;
}

static PyObject *
suspect_text(PyObject *Py_UNUSED(module), PyObject *text)
{
    if (!PyBytes_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "suspect() takes bytes");
        return NULL;
    }
    return PyBool_FromLong(suspect(PyBytes_AS_STRING(text), PyBytes_GET_SIZE(text)));
}

static PyMethodDef methods[] = {
    {"sift", (PyCFunction)(void (*)(void))sift, METH_FASTCALL,
     "sift(decode, lines) -> (types of the values taken, indexes of the lines refused)"},
    {"suspect", suspect_text, METH_O,
     "suspect(text) -> whether some object of the JSON text repeats a key, or the text has what "
     "is not looked at closely: a key with an escape, nesting over 64 levels, over 256 keys open "
     "at once, a number of 19 digits or more"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    .m_base = PyModuleDef_HEAD_INIT,
    .m_name = "_sift",
    .m_doc = "The inner loop of the fast path of `wirebook validate`.",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC
PyInit__sift(void)
{
    return PyModule_Create(&module);
}
