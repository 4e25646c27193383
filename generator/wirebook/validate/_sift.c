/* The inner loop of the fast path of `wirebook validate` (see fast.py), in C.

   sift(decode, lines, routes) calls decode(line) for each line; it returns the types of the
   values of the lines that decode and are not suspect, and the indexes of the other lines.
   decode raising ValueError or RecursionError refuses a line; any other exception propagates.
   routes, (version, decode) pairs, are the decoders of the protocol's other wire versions: a
   line that names a version (`"v":2`, `"v" : 2`) in its first 32 bytes is given to that
   decoder, and to those of the other versions it names there; any other line to the default
   one, then to the decoders of the versions it names further on. A line is taken by the first
   that decodes it (decoders of different versions never take the same line: each reads `v`). A
   line of the default version that names another in its first bytes (in a nested `v`) is
   refused: the exact path judges it, as any line the fast path refuses.

   suspect(text) says whether a JSON text may be read otherwise by msgspec or orjson than by
   JSON Schema's reader. Above all: an object that repeats a key, which both let pass (the last
   value wins) and JSON Schema must not see, as readers disagree on which value counts. The keys
   of each object are compared byte for byte, which is exact for keys without an escape (UTF-8,
   checked by the parser, writes a string one way only). Suspect as well, as not looked at
   closely here: a key with an escape, more keys open at once or deeper nesting than is kept
   track of, and a number of 19 digits or more (orjson reads an integer beyond 64 bits as a
   float). A suspect line goes to the exact path, which reads it with Python's own parser. */

#define _GNU_SOURCE /* memmem */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>
#include <structmember.h> /* T_OBJECT_EX: the members of a Struct */

#define MAX_DEPTH 64 /* nesting kept track of */
#define MAX_KEYS 256 /* keys of the objects open at one time */

typedef struct {
    const char *start;
    Py_ssize_t size;
} Key;

#define MAX_DIGITS 19 /* a longer number may be an integer beyond 64 bits */

#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* The index of the first quote or backslash at or after ``i`` (``size`` if none): sixteen bytes
   at a time where the machine can, as strings (free text above all) make most of a line. */
static Py_ssize_t
string_end(const char *text, Py_ssize_t i, Py_ssize_t size)
{
#ifdef __SSE2__
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
    while (i + 16 <= size) {
        __m128i chunk = _mm_loadu_si128((const __m128i *)(text + i));
        int found = _mm_movemask_epi8(
            _mm_or_si128(_mm_cmpeq_epi8(chunk, quote), _mm_cmpeq_epi8(chunk, backslash)));
        if (found) {
            return i + __builtin_ctz((unsigned)found);
        }
        i += 16;
    }
    while (i < size && text[i] != '"' && text[i] != '\\') {
        i++;
    }
    return i;
#else
    /* memchr finds the quote, and a backslash before it, faster than a loop of bytes */
    const char *quote = memchr(text + i, '"', size - i);
    Py_ssize_t end = quote == NULL ? size : quote - text;
    const char *backslash = memchr(text + i, '\\', end - i);
    return backslash == NULL ? end : backslash - text;
#endif
}

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
            i = string_end(text, i, size);
            int escaped = i < size && text[i] == '\\';
            if (escaped) {
                while (i < size && text[i] != '"') {
                    if (text[i] == '\\') {
                        i++; /* the escaped character, a quote or a backslash among them */
                    }
                    i++;
                }
            }
            if (i >= size) {
                return 1; /* no closing quote: not JSON that msgspec accepted */
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

/* The most containers that enclose one value of a JSON text (0 for a scalar alone, 1 for the
   members of an object or the items of an array, and so on): the measure of nesting of jiter,
   which refuses a value inside more than 200 containers (an empty container may be the 201st).
   Brackets inside strings are text. Meaningless, but defined, for a text that is not JSON. */
static Py_ssize_t
nesting(const char *text, Py_ssize_t size)
{
    Py_ssize_t depth = 0, deepest = 0, i = 0;
    while (i < size) {
        char c = text[i];
        if (c == '}' || c == ']') {
            depth -= depth > 0;
        }
        else if (c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != ',' && c != ':') {
            /* a value starts here, or goes on (a number, a literal); a key, which has a value
               beside it */
            if (depth > deepest) {
                deepest = depth;
            }
            if (c == '{' || c == '[') {
                depth++;
            }
            else if (c == '"') {
                for (i++; i < size && text[i] != '"'; i++) {
                    i += text[i] == '\\'; /* the escaped character, a quote among them */
                }
            }
        }
        i++;
    }
    return deepest;
}

/* The code points of the content of a JSON string (between its quotes), or -1 if it is not what
   a JSON string holds: a raw control character, bytes that are not UTF-8 (RFC 3629: no overlong
   form, no surrogate, nothing beyond U+10FFFF), an unknown escape, a lone surrogate escape. A
   surrogate pair, written as two escapes, is one code point, as every reader counts it. */
static int
hex4(const unsigned char *s)
{
    int value = 0;
    for (int k = 0; k < 4; k++) {
        unsigned char c = s[k];
        int digit = c >= '0' && c <= '9'   ? c - '0'
                    : c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                           : -1;
        if (digit < 0) {
            return -1;
        }
        value = value * 16 + digit;
    }
    return value;
}

static Py_ssize_t
code_points(const unsigned char *s, Py_ssize_t n)
{
    Py_ssize_t i = 0, count = 0;
    while (i < n) {
        unsigned char c = s[i];
        count++;
        if (c < 0x20) {
            return -1;
        }
        if (c == '\\') {
            if (i + 1 >= n) {
                return -1;
            }
            unsigned char e = s[i + 1];
            if (e != 'u') {
                if (e != '"' && e != '\\' && e != '/' && e != 'b' && e != 'f' && e != 'n'
                    && e != 'r' && e != 't') {
                    return -1;
                }
                i += 2;
                continue;
            }
            int unit = i + 6 <= n ? hex4(s + i + 2) : -1;
            if (unit < 0 || (unit >= 0xDC00 && unit <= 0xDFFF)) {
                return -1;
            }
            i += 6;
            if (unit >= 0xD800 && unit <= 0xDBFF) { /* a high surrogate: its low one follows */
                int low = i + 6 <= n && s[i] == '\\' && s[i + 1] == 'u' ? hex4(s + i + 2) : -1;
                if (low < 0xDC00 || low > 0xDFFF) {
                    return -1;
                }
                i += 6;
            }
            continue;
        }
        if (c < 0x80) {
            i++;
            continue;
        }
        int length = 0;
        unsigned char low = 0x80, high = 0xBF; /* the range of the second byte */
        if (c >= 0xC2 && c <= 0xDF) {
            length = 2;
        }
        else if (c >= 0xE0 && c <= 0xEF) {
            length = 3;
            low = c == 0xE0 ? 0xA0 : 0x80;
            high = c == 0xED ? 0x9F : 0xBF;
        }
        else if (c >= 0xF0 && c <= 0xF4) {
            length = 4;
            low = c == 0xF0 ? 0x90 : 0x80;
            high = c == 0xF4 ? 0x8F : 0xBF;
        }
        if (length == 0 || i + length > n || s[i + 1] < low || s[i + 1] > high) {
            return -1;
        }
        for (int k = 2; k < length; k++) {
            if (s[i + k] < 0x80 || s[i + k] > 0xBF) {
                return -1;
            }
        }
        i += length;
    }
    return count;
}

#define MAX_PATH 1024 /* bytes of the member names from the root to a string */
#define SMALL_PLAN 16 /* paths looked through one by one */

/* skeleton(text, plan): the text with the content of some strings replaced by one byte 0xFF
   (which no JSON text holds), or None. A string is replaced when it is a member's value, every
   container above it is an object whose member name has no escape, `plan` maps the names from
   the root (joined by NUL bytes) to bounds (lo, hi), and the string holds from lo to hi code
   points. Two texts with the same skeleton differ only in such strings. None: the text has a
   string so placed that is not what a JSON string holds, nesting deeper than MAX_DEPTH, longer
   names than MAX_PATH, or is cut short (no skeleton is needed of a text that is not JSON). */
static PyObject *
make_skeleton(const unsigned char *text, Py_ssize_t size, PyObject *plan)
{
    const unsigned char *name[MAX_DEPTH]; /* per open container: its current member's name */
    Py_ssize_t name_size[MAX_DEPTH];
    char named[MAX_DEPTH]; /* 1: an object, its current name without an escape */
    char is_object[MAX_DEPTH];
    char path[MAX_PATH];
    int depth = 0, expect_key = 0;
    PyObject *out = PyBytes_FromStringAndSize(NULL, size); /* never longer than the text */
    if (out == NULL) {
        return NULL;
    }
    unsigned char *write = (unsigned char *)PyBytes_AS_STRING(out);
    Py_ssize_t copied = 0, written = 0; /* text[:copied] is written as out[:written] */
    Py_ssize_t i = 0;
    while (i < size) {
        unsigned char c = text[i];
        if (c != '"') {
            if (c == '{' || c == '[') {
                if (depth >= MAX_DEPTH) {
                    goto none;
                }
                is_object[depth] = c == '{';
                named[depth] = 0;
                depth++;
                expect_key = c == '{';
            }
            else if (c == '}' || c == ']') {
                if (depth == 0) {
                    goto none;
                }
                depth--;
                expect_key = 0;
            }
            else if (c == ',') {
                expect_key = depth > 0 && is_object[depth - 1];
            }
            i++;
            continue;
        }
        Py_ssize_t start = ++i;
        /* most strings have no escape: two memchr() find their end */
        const unsigned char *quote = memchr(text + i, '"', size - i);
        if (quote == NULL) {
            goto none;
        }
        int escaped = memchr(text + i, '\\', quote - (text + i)) != NULL;
        if (escaped) {
            while (i < size && text[i] != '"') {
                if (text[i] == '\\') {
                    i++;
                }
                i++;
            }
            if (i >= size) {
                goto none;
            }
        }
        else {
            i = quote - text;
        }
        Py_ssize_t end = i++; /* the closing quote, then past it */
        if (expect_key) {
            name[depth - 1] = text + start;
            name_size[depth - 1] = end - start;
            named[depth - 1] = !escaped;
            expect_key = 0;
            continue;
        }
        /* a value: in a member of objects all the way from the root? */
        Py_ssize_t length = 0;
        int placed = depth > 0;
        for (int d = 0; d < depth && placed; d++) {
            placed = is_object[d] && named[d] && length + name_size[d] + 1 <= MAX_PATH;
            if (placed) {
                if (d > 0) {
                    path[length++] = '\0';
                }
                memcpy(path + length, name[d], name_size[d]);
                length += name_size[d];
            }
        }
        if (!placed) {
            continue;
        }
        PyObject *bounds = NULL;
        if (PyDict_GET_SIZE(plan) <= SMALL_PLAN) {
            /* a few paths (as in practice): compared in place, no key made */
            Py_ssize_t position = 0;
            PyObject *known, *value;
            while (bounds == NULL && PyDict_Next(plan, &position, &known, &value)) {
                if (PyBytes_Check(known) && PyBytes_GET_SIZE(known) == length
                    && memcmp(PyBytes_AS_STRING(known), path, length) == 0) {
                    bounds = value;
                }
            }
        }
        else {
            PyObject *key = PyBytes_FromStringAndSize(path, length);
            if (key == NULL) {
                goto failed;
            }
            bounds = PyDict_GetItemWithError(plan, key);
            Py_DECREF(key);
            if (bounds == NULL && PyErr_Occurred()) {
                goto failed;
            }
        }
        if (bounds == NULL) {
            continue;
        }
        Py_ssize_t lo, hi;
        if (!PyArg_ParseTuple(bounds, "nn", &lo, &hi)) {
            goto failed;
        }
        Py_ssize_t points = code_points(text + start, end - start);
        if (points < 0) {
            goto none;
        }
        if (points < lo || points > hi) {
            continue;
        }
        memcpy(write + written, text + copied, start - copied);
        written += start - copied;
        write[written++] = 0xFF;
        copied = end;
    }
    memcpy(write + written, text + copied, size - copied);
    written += size - copied;
    if (_PyBytes_Resize(&out, written) < 0) {
        return NULL;
    }
    return out;

none:
    Py_DECREF(out);
    Py_RETURN_NONE;

failed:
    Py_DECREF(out);
    return NULL;
}

static PyObject *
skeleton(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2 || !PyBytes_Check(args[0]) || !PyDict_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "skeleton(text: bytes, plan: dict)");
        return NULL;
    }
    return make_skeleton((const unsigned char *)PyBytes_AS_STRING(args[0]),
                         PyBytes_GET_SIZE(args[0]), args[1]);
}

/* recall(lines, indexes, plan, memory, texts, longest) -> (found, missed): found has, for each
   index, memory's value for the skeleton of lines[index] (with plan); else texts' value for the
   line itself (a line that did not parse); else the skeleton, to be remembered by; else None:
   the line is longer than longest, or has no skeleton (it is cut short, say).
   missed: the places in found of the lines without a value. One C loop: no list of the lines,
   nor of their skeletons, is made on the way. */
static PyObject *
recall(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 6 || !PyList_Check(args[1]) || !PyDict_Check(args[2]) || !PyDict_Check(args[3])
        || !PyDict_Check(args[4])) {
        PyErr_SetString(PyExc_TypeError, "recall(lines: sequence, indexes: list, plan: dict, "
                                         "memory: dict, texts: dict, longest: int)");
        return NULL;
    }
    PyObject *plan = args[2], *memory = args[3], *texts = args[4];
    Py_ssize_t longest = PyLong_AsSsize_t(args[5]);
    if (longest == -1 && PyErr_Occurred()) {
        return NULL;
    }
    /* tuples of their own: a look-up may run Python code (a key's __eq__), which must not
       change what is looped over (the engine's keys are bytes, which run none) */
    PyObject *lines = PySequence_Tuple(args[0]);
    PyObject *indexes = PyList_AsTuple(args[1]);
    Py_ssize_t n = PyList_GET_SIZE(args[1]);
    PyObject *found = PyList_New(n);
    PyObject *missed = PyList_New(0);
    if (lines == NULL || indexes == NULL || found == NULL || missed == NULL) {
        goto failed;
    }
    Py_ssize_t count = PyTuple_GET_SIZE(lines);
    for (Py_ssize_t at = 0; at < n; at++) {
        PyObject *number = PyTuple_GET_ITEM(indexes, at);
        if (!PyLong_Check(number)) {
            PyErr_SetString(PyExc_TypeError, "recall: indexes must be ints");
            goto failed;
        }
        Py_ssize_t index = PyLong_AsSsize_t(number);
        if (index == -1 && PyErr_Occurred()) {
            goto failed;
        }
        if (index < 0 || index >= count) {
            PyErr_SetString(PyExc_IndexError, "recall: an index beyond the lines");
            goto failed;
        }
        PyObject *line = PyTuple_GET_ITEM(lines, index);
        if (!PyBytes_Check(line)) {
            PyErr_SetString(PyExc_TypeError, "recall: lines must be bytes");
            goto failed;
        }
        PyObject *shape = Py_None, *known = NULL;
        Py_INCREF(shape);
        if (PyBytes_GET_SIZE(line) <= longest) {
            Py_DECREF(shape);
            shape = make_skeleton((const unsigned char *)PyBytes_AS_STRING(line),
                                  PyBytes_GET_SIZE(line), plan);
            if (shape == NULL) {
                goto failed;
            }
            /* borrowed */
            known = shape == Py_None ? NULL : PyDict_GetItemWithError(memory, shape);
            if (known == NULL && !PyErr_Occurred()) {
                known = PyDict_GetItemWithError(texts, line);
            }
            if (known == NULL && PyErr_Occurred()) {
                Py_DECREF(shape);
                goto failed;
            }
        }
        if (known != NULL) {
            Py_DECREF(shape);
            Py_INCREF(known);
            PyList_SET_ITEM(found, at, known);
            continue;
        }
        PyList_SET_ITEM(found, at, shape); /* the skeleton, or None */
        PyObject *place = PyLong_FromSsize_t(at);
        if (place == NULL || PyList_Append(missed, place) < 0) {
            Py_XDECREF(place);
            goto failed;
        }
        Py_DECREF(place);
    }
    Py_DECREF(lines);
    Py_DECREF(indexes);
    return Py_BuildValue("(NN)", found, missed);

failed:
    Py_XDECREF(lines);
    Py_XDECREF(indexes);
    Py_XDECREF(found);
    Py_XDECREF(missed);
    return NULL;
}

#define KINDS 64 /* types counted in place; any more, in the dict */

typedef struct {
    PyObject *kind[KINDS]; /* strong references */
    Py_ssize_t count[KINDS];
    int used;
} Kinds;

/* Adds ``extra`` to the count of ``kind`` in ``counts`` (type -> int). */
static int
add(PyObject *counts, PyObject *kind, Py_ssize_t extra)
{
    PyObject *before = PyDict_GetItemWithError(counts, kind);
    if (before == NULL && PyErr_Occurred()) {
        return -1;
    }
    Py_ssize_t total = extra + (before == NULL ? 0 : PyLong_AsSsize_t(before));
    PyObject *number = PyLong_FromSsize_t(total);
    int failed = number == NULL || PyDict_SetItem(counts, kind, number) < 0;
    Py_XDECREF(number);
    return failed ? -1 : 0;
}

/* Adds the counts held in place to ``counts`` (NULL: only drops them). */
static int
fold(Kinds *kinds, PyObject *counts)
{
    int failed = 0;
    for (int k = 0; k < kinds->used; k++) {
        if (counts != NULL && !failed) {
            failed = add(counts, kinds->kind[k], kinds->count[k]) < 0;
        }
        Py_DECREF(kinds->kind[k]);
    }
    kinds->used = 0;
    return failed ? -1 : 0;
}

/* The names of a verdict's attributes, made once (see PyInit__sift). */
static PyObject *TYPE, *REJECTIONS, *LABEL, *KINDS_NAME;

/* One verdict of a batch, its attributes read once. */
typedef struct {
    PyObject *verdict; /* borrowed from the tuple of verdicts */
    PyObject *type, *rejections; /* strong references */
    int invalid;
    Py_ssize_t lines;
} Seen;

/* Adds each verdict's lines to the counts of its label and kinds (see tally). */
static int
count_verdicts(Seen *seen, Py_ssize_t used, PyObject *per_type, PyObject *invalid,
               PyObject *per_kind)
{
    for (Py_ssize_t s = 0; s < used; s++) {
        PyObject *label = PyObject_GetAttr(seen[s].verdict, LABEL);
        int failed = label == NULL || add(per_type, label, seen[s].lines) < 0
                     || (seen[s].invalid && add(invalid, label, seen[s].lines) < 0);
        Py_XDECREF(label);
        if (failed) {
            return -1;
        }
        if (!seen[s].invalid) {
            continue;
        }
        PyObject *kinds = PyObject_GetAttr(seen[s].verdict, KINDS_NAME);
        if (kinds == NULL || !PyTuple_Check(kinds)) {
            if (kinds != NULL) {
                PyErr_SetString(PyExc_TypeError, "tally: a verdict's kinds must be a tuple");
            }
            Py_XDECREF(kinds);
            return -1;
        }
        for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(kinds) && !failed; k++) {
            failed = add(per_kind, PyTuple_GET_ITEM(kinds, k), seen[s].lines) < 0;
        }
        Py_DECREF(kinds);
        if (failed) {
            return -1;
        }
    }
    return 0;
}

/* tally(verdicts, indexes, first, finding, per_type, invalid, per_kind) -> findings.

   verdicts[i] is the verdict on line first + indexes[i]: an object with a `type`, `rejections`
   (empty if the line is valid), a `label` and `kinds`. Adds the lines of each verdict to
   per_type[label], and, for a verdict with rejections, to invalid[label] and to per_kind[kind]
   for each of its kinds; returns, in order, a `finding` (a tuple type: line, type, rejections)
   for each line whose verdict has rejections. A batch's lines share a few verdicts, whose
   attributes are read once each: in Python, the loop over them cost more than the lines'. */
static PyObject *
tally(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 7 || !PyList_Check(args[0]) || !PyList_Check(args[1]) || !PyType_Check(args[3])
        || !PyType_IsSubtype((PyTypeObject *)args[3], &PyTuple_Type) || !PyDict_Check(args[4])
        || !PyDict_Check(args[5]) || !PyDict_Check(args[6])) {
        PyErr_SetString(PyExc_TypeError, "tally(verdicts: list, indexes: list, first: int, "
                                         "finding: tuple type, per_type, invalid, per_kind: dict)");
        return NULL;
    }
    PyTypeObject *finding = (PyTypeObject *)args[3];
    Py_ssize_t n = PyList_GET_SIZE(args[0]);
    Py_ssize_t first = PyLong_AsSsize_t(args[2]);
    if (first == -1 && PyErr_Occurred()) {
        return NULL;
    }
    if (PyList_GET_SIZE(args[1]) != n || first < 0) {
        PyErr_SetString(PyExc_ValueError, "tally: as many indexes as verdicts, first from 0");
        return NULL;
    }
    /* tuples of their own: a verdict's hash or attributes may run Python code */
    PyObject *verdicts = PyList_AsTuple(args[0]), *indexes = PyList_AsTuple(args[1]);
    Seen *seen = PyMem_Calloc(n > 0 ? n : 1, sizeof(Seen));
    PyObject *slots = PyDict_New(); /* verdict -> its place in seen */
    PyObject *findings = PyList_New(0);
    Py_ssize_t used = 0;
    if (seen == NULL) {
        PyErr_NoMemory();
    }
    if (verdicts == NULL || indexes == NULL || seen == NULL || slots == NULL || findings == NULL) {
        goto failed;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *verdict = PyTuple_GET_ITEM(verdicts, i);
        PyObject *slot = PyDict_GetItemWithError(slots, verdict); /* borrowed */
        Py_ssize_t s;
        if (slot != NULL) {
            s = PyLong_AsSsize_t(slot);
        }
        else if (PyErr_Occurred()) {
            goto failed;
        }
        else {
            s = used;
            PyObject *place = PyLong_FromSsize_t(s);
            if (place == NULL || PyDict_SetItem(slots, verdict, place) < 0) {
                Py_XDECREF(place);
                goto failed;
            }
            Py_DECREF(place);
            seen[s].verdict = verdict;
            used++;
            seen[s].type = PyObject_GetAttr(verdict, TYPE);
            if (seen[s].type == NULL) {
                goto failed;
            }
            seen[s].rejections = PyObject_GetAttr(verdict, REJECTIONS);
            if (seen[s].rejections == NULL) {
                goto failed;
            }
            seen[s].invalid = PyObject_IsTrue(seen[s].rejections);
            if (seen[s].invalid < 0) {
                goto failed;
            }
        }
        seen[s].lines++;
        if (!seen[s].invalid) {
            continue;
        }
        PyObject *index = PyTuple_GET_ITEM(indexes, i);
        Py_ssize_t line = PyLong_Check(index) ? PyLong_AsSsize_t(index) : -1;
        if (line < 0 || line > PY_SSIZE_T_MAX - first) {
            if (!PyErr_Occurred()) {
                PyErr_SetString(line < 0 ? PyExc_TypeError : PyExc_OverflowError,
                                "tally: indexes are ints from 0, and first + index a Py_ssize_t");
            }
            goto failed;
        }
        PyObject *number = PyLong_FromSsize_t(first + line);
        /* a tuple of the finding type, made as tuple.__new__ makes one of a subclass */
        PyObject *made = number == NULL ? NULL : finding->tp_alloc(finding, 3);
        if (made == NULL) {
            Py_XDECREF(number);
            goto failed;
        }
#if PY_VERSION_HEX >= 0x030E0000
        ((PyTupleObject *)made)->ob_hash = -1; /* its hash, cached from 3.14 on: not known yet */
#endif
        Py_INCREF(seen[s].type);
        Py_INCREF(seen[s].rejections);
        PyTuple_SET_ITEM(made, 0, number);
        PyTuple_SET_ITEM(made, 1, seen[s].type);
        PyTuple_SET_ITEM(made, 2, seen[s].rejections);
        int appended = PyList_Append(findings, made);
        Py_DECREF(made);
        if (appended < 0) {
            goto failed;
        }
    }
    if (count_verdicts(seen, used, args[4], args[5], args[6]) < 0) {
        goto failed;
    }
    for (Py_ssize_t s = 0; s < used; s++) {
        Py_DECREF(seen[s].type);
        Py_DECREF(seen[s].rejections);
    }
    PyMem_Free(seen);
    Py_DECREF(slots);
    Py_DECREF(verdicts);
    Py_DECREF(indexes);
    return findings;

failed:
    for (Py_ssize_t s = 0; seen != NULL && s < used; s++) {
        Py_XDECREF(seen[s].type);
        Py_XDECREF(seen[s].rejections);
    }
    PyMem_Free(seen);
    Py_XDECREF(slots);
    Py_XDECREF(findings);
    Py_XDECREF(verdicts);
    Py_XDECREF(indexes);
    return NULL;
}

static int
blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Whether some member `"v"` that starts in the first ``limit`` bytes of the text has the value
   ``version`` (a member of a nested object may say so too: the decoder then refuses the line,
   which costs a try, never a verdict). */
static int
names_version(const char *text, Py_ssize_t limit, Py_ssize_t size, long version)
{
    const char *end = text + size, *at = text;
    while (at < text + limit
           && (at = memmem(at, (size_t)(text + limit - at), "\"v\"", 3)) != NULL) {
        const char *p = at + 3;
        at = p;
        while (p < end && blank(*p)) {
            p++;
        }
        if (p == end || *p != ':') {
            continue;
        }
        p++;
        while (p < end && blank(*p)) {
            p++;
        }
        long value = 0;
        int digits = 0;
        while (p < end && *p >= '0' && *p <= '9' && digits < 18) {
            value = value * 10 + (*p - '0');
            p++;
            digits++;
        }
        if (digits > 0 && value == version && (p == end || *p < '0' || *p > '9')) {
            return 1;
        }
    }
    return 0;
}

/* ``decoder``'s value of ``line``; NULL with no error set when it refuses the line (ValueError,
   RecursionError), NULL with an error set for an error to propagate. */
static PyObject *
try_decode(PyObject *decoder, PyObject *line)
{
    PyObject *value = PyObject_CallOneArg(decoder, line);
    if (value == NULL && (PyErr_ExceptionMatches(PyExc_ValueError)
                          || PyErr_ExceptionMatches(PyExc_RecursionError))) {
        PyErr_Clear();
    }
    return value;
}

/* The value of the first route whose version the line names in its first ``limit`` bytes that
   takes it (``*named``: whether one was named), as try_decode says. */
static PyObject *
routed(PyObject *routes, PyObject *line, Py_ssize_t limit, int *named)
{
    const char *text = PyBytes_AS_STRING(line);
    Py_ssize_t size = PyBytes_GET_SIZE(line);
    for (Py_ssize_t r = 0; r < PyTuple_GET_SIZE(routes); r++) {
        PyObject *route = PyTuple_GET_ITEM(routes, r);
        long version = PyLong_AsLong(PyTuple_GET_ITEM(route, 0)); /* checked: fits */
        if (names_version(text, limit, size, version)) {
            *named = 1;
            PyObject *value = try_decode(PyTuple_GET_ITEM(route, 1), line);
            if (value != NULL || PyErr_Occurred()) {
                return value;
            }
        }
    }
    return NULL;
}

#define HEAD 32 /* the bytes where a message's `v` is looked for first: an encoder writes it first */

/* The value of ``line`` as the first decoder that takes it gives it, or NULL with no error set
   when none does (NULL with an error set: an error to propagate). A line that names a version
   in its first bytes is given to that version's decoder alone (an invalid line of another
   version fails once, not twice); any other line to ``decode``, and, when it refuses it, to the
   decoders of the versions it names further on. Most lines, of the default version without `v`,
   are not searched whole. */
static PyObject *
decoded(PyObject *decode, PyObject *routes, PyObject *line)
{
    if (PyTuple_GET_SIZE(routes) == 0) {
        return try_decode(decode, line);
    }
    Py_ssize_t size = PyBytes_GET_SIZE(line);
    int named = 0;
    PyObject *value = routed(routes, line, size < HEAD ? size : HEAD, &named);
    if (value != NULL || PyErr_Occurred() || named) {
        return value;
    }
    value = try_decode(decode, line);
    if (value != NULL || PyErr_Occurred() || size <= HEAD) {
        return value;
    }
    return routed(routes, line, size, &named);
}

/* ``routes`` as a tuple of its own of (version, callable) pairs, each version an int of at
   most 18 digits; NULL with an error otherwise. */
static PyObject *
checked_routes(PyObject *given)
{
    PyObject *routes = PySequence_Tuple(given);
    if (routes == NULL) {
        return NULL;
    }
    for (Py_ssize_t r = 0; r < PyTuple_GET_SIZE(routes); r++) {
        PyObject *route = PyTuple_GET_ITEM(routes, r);
        long version = -1;
        if (PyTuple_Check(route) && PyTuple_GET_SIZE(route) == 2
            && PyLong_CheckExact(PyTuple_GET_ITEM(route, 0))) {
            version = PyLong_AsLong(PyTuple_GET_ITEM(route, 0));
            PyErr_Clear(); /* too large: refused below */
        }
        if (version < 0 || version > 999999999999999999L
            || !PyCallable_Check(PyTuple_GET_ITEM(route, 1))) {
            PyErr_SetString(PyExc_TypeError, "sift: routes are (version, decode) pairs");
            Py_DECREF(routes);
            return NULL;
        }
    }
    return routes;
}

static PyObject *
sift(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2 && nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "sift(decode, lines, routes=()) takes 2 or 3 arguments");
        return NULL;
    }
    PyObject *decode = args[0];
    /* tuples of its own: decode may run Python code, which must not change what is looped over */
    PyObject *routes = nargs == 3 ? checked_routes(args[2]) : PyTuple_New(0);
    if (routes == NULL) {
        return NULL;
    }
    PyObject *lines = PySequence_Tuple(args[1]);
    if (lines == NULL) {
        Py_DECREF(routes);
        return NULL;
    }
    /* the types of the values taken, counted here: a log has a few, a list of one per line
       would be counted again in Python */
    Kinds kinds = {.used = 0};
    PyObject *counts = PyDict_New();
    PyObject *refused = PyList_New(0);
    if (counts == NULL || refused == NULL) {
        goto failed;
    }
    Py_ssize_t n = PyTuple_GET_SIZE(lines);
    for (Py_ssize_t index = 0; index < n; index++) {
        PyObject *line = PyTuple_GET_ITEM(lines, index);
        if (!PyBytes_Check(line)) {
            PyErr_SetString(PyExc_TypeError, "lines must be a sequence of bytes");
            goto failed;
        }
        PyObject *value = decoded(decode, routes, line);
        if (value == NULL) {
            if (PyErr_Occurred()) {
                goto failed;
            }
        }
        else if (!suspect(PyBytes_AS_STRING(line), PyBytes_GET_SIZE(line))) {
            /* only the value's type is counted: freed now, the value's memory is used again
               for the next line's */
            PyObject *kind = (PyObject *)Py_TYPE(value);
            int k = 0;
            while (k < kinds.used && kinds.kind[k] != kind) {
                k++;
            }
            if (k < kinds.used) {
                kinds.count[k]++;
            }
            else if (k < KINDS) {
                Py_INCREF(kind);
                kinds.kind[k] = kind;
                kinds.count[k] = 1;
                kinds.used++;
            }
            else if (add(counts, kind, 1) < 0) {
                Py_DECREF(value);
                goto failed;
            }
            Py_DECREF(value);
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
    Py_DECREF(routes);
    if (fold(&kinds, counts) < 0) {
        Py_DECREF(counts);
        Py_DECREF(refused);
        return NULL;
    }
    return Py_BuildValue("(NN)", counts, refused);

failed:
    Py_DECREF(lines);
    Py_DECREF(routes);
    fold(&kinds, NULL);
    Py_XDECREF(counts);
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

static PyObject *
nesting_text(PyObject *Py_UNUSED(module), PyObject *text)
{
    if (!PyBytes_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "nesting() takes bytes");
        return NULL;
    }
    return PyLong_FromSsize_t(nesting(PyBytes_AS_STRING(text), PyBytes_GET_SIZE(text)));
}

/* The words of ``finding`` (line, type, rejections) for the text report: a new reference to
   the list "" then its lines, by_id's when the entry is that finding's (its rejections object
   and type), else compose(finding)'s (which remembers them there). */
static PyObject *
finding_words(PyObject *finding, PyObject *by_id, PyObject *compose)
{
    PyObject *type = PyTuple_GET_ITEM(finding, 1), *rejections = PyTuple_GET_ITEM(finding, 2);
    PyObject *key = PyLong_FromVoidPtr(rejections);
    if (key == NULL) {
        return NULL;
    }
    PyObject *entry = PyDict_GetItemWithError(by_id, key); /* borrowed */
    Py_DECREF(key);
    if (entry == NULL && PyErr_Occurred()) {
        return NULL;
    }
    PyObject *joined = NULL;
    if (entry != NULL && PyTuple_Check(entry) && PyTuple_GET_SIZE(entry) == 3
        && PyTuple_GET_ITEM(entry, 0) == rejections) {
        Py_INCREF(entry); /* held: comparing the types may run Python code */
        int same = PyObject_RichCompareBool(PyTuple_GET_ITEM(entry, 1), type, Py_EQ);
        PyObject *words = PyTuple_GET_ITEM(entry, 2);
        if (same > 0 && PyTuple_Check(words) && PyTuple_GET_SIZE(words) == 2) {
            joined = PyTuple_GET_ITEM(words, 1);
            Py_INCREF(joined);
        }
        Py_DECREF(entry);
        if (same < 0) {
            return NULL;
        }
    }
    if (joined == NULL) {
        joined = PyObject_CallOneArg(compose, finding);
    }
    if (joined != NULL && !PyList_Check(joined)) {
        Py_DECREF(joined);
        PyErr_SetString(PyExc_TypeError, "text_lines: words are a list");
        return NULL;
    }
    for (Py_ssize_t w = 0; joined != NULL && w < PyList_GET_SIZE(joined); w++) {
        if (!PyUnicode_Check(PyList_GET_ITEM(joined, w))) {
            Py_DECREF(joined);
            PyErr_SetString(PyExc_TypeError, "text_lines: words are strs");
            return NULL;
        }
    }
    return joined;
}

static int
digits_of(Py_ssize_t number)
{
    int count = 1;
    while (number >= 10) {
        number /= 10;
        count++;
    }
    return count;
}

/* Copies ``piece`` into ``text`` (of ``kind``) at ``at``; the new place after it (-1 with an
   error). */
static Py_ssize_t
put(PyObject *text, int kind, void *data, Py_ssize_t at, PyObject *piece)
{
    Py_ssize_t length = PyUnicode_GET_LENGTH(piece);
    if (PyUnicode_KIND(piece) == kind) {
        memcpy((char *)data + at * kind, PyUnicode_DATA(piece), length * kind);
    }
    else if (PyUnicode_CopyCharacters(text, at, piece, 0, length) < 0) { /* narrower: widened */
        return -1;
    }
    return at + length;
}

/* text_lines(place, base, findings, by_id, compose): the text report's lines of ``findings``
   ((line, type, rejections) tuples), each "place:number: " joined into its words: the words of
   by_id[id(rejections)] (a (rejections, type, (pairs, joined)) tuple) when it is that finding's,
   else compose(finding)'s, which remembers them there. The hot loop of an invalid log's report:
   the words are found first, then the text is written in one str of the length they make. */
static PyObject *
text_lines(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 5) {
        PyErr_SetString(PyExc_TypeError, "text_lines(place, base, findings, by_id, compose)");
        return NULL;
    }
    PyObject *place = args[0], *by_id = args[3], *compose = args[4];
    Py_ssize_t base = PyLong_AsSsize_t(args[1]);
    if (base == -1 && PyErr_Occurred()) {
        return NULL;
    }
    if (!PyUnicode_Check(place) || !PyDict_Check(by_id) || base < 0) {
        PyErr_SetString(PyExc_TypeError, "text_lines: place is a str, base an int from 0, by_id "
                                         "a dict");
        return NULL;
    }
    /* a list of its own: compose runs Python code, which must not change what is looped over */
    PyObject *findings = PySequence_List(args[2]);
    if (findings == NULL) {
        return NULL;
    }
    Py_ssize_t n = PyList_GET_SIZE(findings), done = 0;
    PyObject **words = PyMem_Calloc(n > 0 ? n : 1, sizeof(PyObject *)); /* each finding's */
    Py_ssize_t *numbers = PyMem_Calloc(n > 0 ? n : 1, sizeof(Py_ssize_t));
    PyObject *text = NULL;
    if (words == NULL || numbers == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    Py_ssize_t head = PyUnicode_GET_LENGTH(place) + 1, length = 0; /* "place:" */
    Py_UCS4 widest = PyUnicode_MAX_CHAR_VALUE(place);
    for (; done < n; done++) {
        PyObject *finding = PyList_GET_ITEM(findings, done);
        if (!PyTuple_Check(finding) || PyTuple_GET_SIZE(finding) != 3) {
            PyErr_SetString(PyExc_TypeError, "text_lines: a finding is (line, type, rejections)");
            goto done;
        }
        Py_ssize_t line = PyLong_AsSsize_t(PyTuple_GET_ITEM(finding, 0));
        if (line == -1 && PyErr_Occurred()) {
            goto done;
        }
        if (line < 0 || line > PY_SSIZE_T_MAX - 1 - base) {
            PyErr_SetString(PyExc_ValueError, "text_lines: a finding's line is from 0, and "
                                              "base + line + 1 a Py_ssize_t");
            goto done;
        }
        words[done] = finding_words(finding, by_id, compose);
        if (words[done] == NULL) {
            goto done;
        }
        numbers[done] = base + line + 1;
        /* the list is "" and then the finding's lines: each follows "place:number: " */
        for (Py_ssize_t w = 1; w < PyList_GET_SIZE(words[done]); w++) {
            PyObject *piece = PyList_GET_ITEM(words[done], w);
            length += head + digits_of(numbers[done]) + 2 + PyUnicode_GET_LENGTH(piece);
            if (PyUnicode_MAX_CHAR_VALUE(piece) > widest) {
                widest = PyUnicode_MAX_CHAR_VALUE(piece);
            }
        }
    }
    text = PyUnicode_New(length, widest);
    if (text == NULL) {
        goto done;
    }
    int kind = PyUnicode_KIND(text);
    void *data = PyUnicode_DATA(text);
    Py_ssize_t at = 0;
    Py_UCS4 written = PyUnicode_MAX_CHAR_VALUE(place); /* the widest character written */
    for (Py_ssize_t i = 0; i < n; i++) {
        char digits[24];
        int size = digits_of(numbers[i]);
        Py_ssize_t number = numbers[i];
        for (int d = size - 1; d >= 0; d--, number /= 10) {
            digits[d] = (char)('0' + number % 10);
        }
        for (Py_ssize_t w = 1; w < PyList_GET_SIZE(words[i]) && at >= 0; w++) {
            /* a list that compose changed since its length was taken: not written past the end */
            PyObject *piece = PyList_GET_ITEM(words[i], w);
            if (!PyUnicode_Check(piece) || PyUnicode_MAX_CHAR_VALUE(piece) > widest
                || at + head + size + 2 + PyUnicode_GET_LENGTH(piece) > length) {
                PyErr_SetString(PyExc_RuntimeError, "text_lines: the words changed meanwhile");
                at = -1;
                break;
            }
            at = put(text, kind, data, at, place);
            if (at < 0) {
                break;
            }
            PyUnicode_WRITE(kind, data, at++, ':');
            for (int d = 0; d < size; d++) {
                PyUnicode_WRITE(kind, data, at++, digits[d]);
            }
            PyUnicode_WRITE(kind, data, at++, ':');
            PyUnicode_WRITE(kind, data, at++, ' ');
            at = put(text, kind, data, at, piece);
            if (PyUnicode_MAX_CHAR_VALUE(piece) > written) {
                written = PyUnicode_MAX_CHAR_VALUE(piece);
            }
        }
        if (at < 0) {
            Py_CLEAR(text);
            break;
        }
    }
    /* shorter, or narrower, than measured: a list changed meanwhile, and the str would not be
       what its length and kind say */
    if (text != NULL && (at != length || written != widest)) {
        PyErr_SetString(PyExc_RuntimeError, "text_lines: the words changed meanwhile");
        Py_CLEAR(text);
    }

done:
    for (Py_ssize_t i = 0; words != NULL && i < done; i++) {
        Py_DECREF(words[i]);
    }
    PyMem_Free(words);
    PyMem_Free(numbers);
    Py_DECREF(findings);
    return text;
}

/* Checks(names, known, checks, fits, unset): the __post_init__ of a Struct of the fast path
   (fast.py), called by msgspec with each value it decodes. Each attribute of names that is not
   unset holds a value that is in the set of known (values that passed before; None: no set) or
   that the callable of checks passes; and for each (attributes, fitting) of fits, the tuple of
   booleans that says which of those attributes are set is in the set fitting. Else ValueError,
   which refuses the line. In C: it runs for most lines of a log, and a Python function cost
   more than the rest of the decoding. */
typedef struct {
    PyObject_HEAD
    PyObject *names, *known, *checks, *fits, *unset;
    /* the type of the values last checked, and where each attribute (of names, then of each
       fit's) is held in them: msgspec keeps a Struct's fields as members at fixed offsets,
       read there without a lookup by name (-1: looked up by name) */
    PyObject *owner;
    Py_ssize_t *offsets;
} Checks;

/* A Struct type holds its Checks, which holds the type (owner): a cycle, for the collector. */
static int
Checks_traverse(Checks *self, visitproc visit, void *arg)
{
    Py_VISIT(self->owner);
    Py_VISIT(self->names);
    Py_VISIT(self->known);
    Py_VISIT(self->checks);
    Py_VISIT(self->fits);
    Py_VISIT(self->unset);
    return 0;
}

static int
Checks_clear(Checks *self)
{
    Py_CLEAR(self->owner);
    Py_CLEAR(self->names);
    Py_CLEAR(self->known);
    Py_CLEAR(self->checks);
    Py_CLEAR(self->fits);
    Py_CLEAR(self->unset);
    return 0;
}

static void
Checks_dealloc(Checks *self)
{
    PyObject_GC_UnTrack(self);
    Checks_clear(self);
    PyMem_Free(self->offsets);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int
all_names(PyObject *names)
{
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(names); i++) {
        if (!PyUnicode_Check(PyTuple_GET_ITEM(names, i))) {
            return 0;
        }
    }
    return 1;
}

static int
good_checks(PyObject *names, PyObject *known, PyObject *checks, PyObject *fits)
{
    Py_ssize_t n = PyTuple_GET_SIZE(names);
    if (PyTuple_GET_SIZE(known) != n || PyTuple_GET_SIZE(checks) != n || !all_names(names)) {
        return 0;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *set = PyTuple_GET_ITEM(known, i);
        if ((set != Py_None && !PyAnySet_Check(set))
            || !PyCallable_Check(PyTuple_GET_ITEM(checks, i))) {
            return 0;
        }
    }
    for (Py_ssize_t f = 0; f < PyTuple_GET_SIZE(fits); f++) {
        PyObject *fit = PyTuple_GET_ITEM(fits, f);
        if (!PyTuple_Check(fit) || PyTuple_GET_SIZE(fit) != 2
            || !PyTuple_Check(PyTuple_GET_ITEM(fit, 0)) || !all_names(PyTuple_GET_ITEM(fit, 0))
            || !PyAnySet_Check(PyTuple_GET_ITEM(fit, 1))) {
            return 0;
        }
    }
    return 1;
}

static PyObject *
Checks_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    PyObject *names, *known, *checks, *fits, *unset;
    if ((kwargs != NULL && PyDict_GET_SIZE(kwargs) > 0)
        || !PyArg_ParseTuple(args, "O!O!O!O!O:Checks", &PyTuple_Type, &names, &PyTuple_Type,
                             &known, &PyTuple_Type, &checks, &PyTuple_Type, &fits, &unset)
        || !good_checks(names, known, checks, fits)) {
        PyErr_Clear();
        PyErr_SetString(PyExc_TypeError,
                        "Checks(names, known, checks, fits, unset): names a tuple of strs, known "
                        "of sets or None and checks of callables as many, fits of (names, set)");
        return NULL;
    }
    Checks *self = (Checks *)type->tp_alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    PyObject *given[] = {names, known, checks, fits, unset};
    PyObject **kept[] = {&self->names, &self->known, &self->checks, &self->fits, &self->unset};
    for (int i = 0; i < 5; i++) {
        Py_INCREF(given[i]);
        *kept[i] = given[i];
    }
    return (PyObject *)self;
}

/* Where instances of ``type`` hold the attribute ``name``: the offset of a member (a slot)
   that holds any object, read as getattr would; -1 for any other attribute (read by name);
   -2 with an error. */
static Py_ssize_t
offset_of(PyTypeObject *type, PyObject *name)
{
    if (type->tp_getattro != PyObject_GenericGetAttr) { /* a __getattribute__ of its own */
        return -1;
    }
    PyObject *found = PyObject_GetAttr((PyObject *)type, name); /* a member: its descriptor */
    if (found == NULL) {
        if (!PyErr_ExceptionMatches(PyExc_AttributeError)) {
            return -2;
        }
        PyErr_Clear();
        return -1;
    }
    Py_ssize_t offset = -1;
    if (Py_IS_TYPE(found, &PyMemberDescr_Type)) {
        PyMemberDef *member = ((PyMemberDescrObject *)found)->d_member;
        if (member->type == T_OBJECT_EX && PyType_IsSubtype(type, PyDescr_TYPE(found))) {
            offset = member->offset;
        }
    }
    Py_DECREF(found);
    return offset;
}

/* The offsets of every attribute that self reads, in instances of ``type``. */
static int
resolve(Checks *self, PyTypeObject *type)
{
    Py_ssize_t count = PyTuple_GET_SIZE(self->names);
    for (Py_ssize_t f = 0; f < PyTuple_GET_SIZE(self->fits); f++) {
        count += PyTuple_GET_SIZE(PyTuple_GET_ITEM(PyTuple_GET_ITEM(self->fits, f), 0));
    }
    size_t size = (count > 0 ? count : 1) * sizeof(Py_ssize_t);
    Py_ssize_t *offsets = PyMem_Realloc(self->offsets, size);
    if (offsets == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    self->offsets = offsets;
    Py_CLEAR(self->owner); /* the offsets are no type's until all are found */
    Py_ssize_t at = 0;
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(self->names); i++) {
        offsets[at++] = offset_of(type, PyTuple_GET_ITEM(self->names, i));
    }
    for (Py_ssize_t f = 0; f < PyTuple_GET_SIZE(self->fits); f++) {
        PyObject *names = PyTuple_GET_ITEM(PyTuple_GET_ITEM(self->fits, f), 0);
        for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(names); k++) {
            offsets[at++] = offset_of(type, PyTuple_GET_ITEM(names, k));
        }
    }
    for (Py_ssize_t k = 0; k < at; k++) {
        if (offsets[k] == -2) {
            return -1;
        }
    }
    Py_INCREF(type);
    Py_XSETREF(self->owner, (PyObject *)type);
    return 0;
}

/* A new reference to attribute ``name`` of ``value``, read at offset number ``index`` when the
   offsets are of its type. They are looked at again for each attribute: a check may run Python
   code that calls self with a value of another type, whose offsets then replace them. */
static PyObject *
member_of(Checks *self, PyObject *value, PyObject *name, Py_ssize_t index)
{
    Py_ssize_t offset = (PyObject *)Py_TYPE(value) == self->owner ? self->offsets[index] : -1;
    if (offset < 0) {
        return PyObject_GetAttr(value, name);
    }
    PyObject *member = *(PyObject **)((char *)value + offset);
    if (member == NULL) {
        PyErr_SetObject(PyExc_AttributeError, name);
        return NULL;
    }
    Py_INCREF(member);
    return member;
}

/* Whether value passes check ``i`` (1), or not (0); -1 with an error. */
static int
passes(Checks *self, Py_ssize_t i, PyObject *value)
{
    PyObject *known = PyTuple_GET_ITEM(self->known, i);
    if (known != Py_None) {
        int found = PySet_Contains(known, value);
        if (found != 0) {
            return found;
        }
    }
    PyObject *result = PyObject_CallOneArg(PyTuple_GET_ITEM(self->checks, i), value);
    if (result == NULL) {
        return -1;
    }
    int truth = PyObject_IsTrue(result);
    Py_DECREF(result);
    return truth;
}

/* The tuple of booleans that says which of ``names`` (at offsets from number ``first``) are set
   on ``value``; NULL with an error. */
static PyObject *
presence(Checks *self, PyObject *value, PyObject *names, Py_ssize_t first)
{
    PyObject *present = PyTuple_New(PyTuple_GET_SIZE(names));
    for (Py_ssize_t k = 0; present != NULL && k < PyTuple_GET_SIZE(names); k++) {
        PyObject *member = member_of(self, value, PyTuple_GET_ITEM(names, k), first + k);
        if (member == NULL) {
            Py_CLEAR(present);
            break;
        }
        PyObject *set = member != self->unset ? Py_True : Py_False;
        Py_DECREF(member);
        Py_INCREF(set);
        PyTuple_SET_ITEM(present, k, set);
    }
    return present;
}

static PyObject *
Checks_call(Checks *self, PyObject *args, PyObject *kwargs)
{
    if ((kwargs != NULL && PyDict_GET_SIZE(kwargs) > 0) || PyTuple_GET_SIZE(args) != 1) {
        PyErr_SetString(PyExc_TypeError, "Checks: called with the value alone");
        return NULL;
    }
    if (self->names == NULL) { /* cleared by the collector */
        PyErr_SetString(PyExc_ValueError, "Checks: cleared");
        return NULL;
    }
    PyObject *value = PyTuple_GET_ITEM(args, 0);
    if ((PyObject *)Py_TYPE(value) != self->owner && resolve(self, Py_TYPE(value)) < 0) {
        return NULL;
    }
    Py_ssize_t at = 0; /* in offsets */
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(self->names); i++) {
        PyObject *name = PyTuple_GET_ITEM(self->names, i);
        PyObject *member = member_of(self, value, name, at++);
        if (member == NULL) {
            return NULL;
        }
        int good = member == self->unset ? 1 : passes(self, i, member);
        Py_DECREF(member);
        if (good <= 0) {
            if (good == 0) {
                PyErr_SetObject(PyExc_ValueError, name);
            }
            return NULL;
        }
    }
    for (Py_ssize_t f = 0; f < PyTuple_GET_SIZE(self->fits); f++) {
        PyObject *fit = PyTuple_GET_ITEM(self->fits, f), *names = PyTuple_GET_ITEM(fit, 0);
        PyObject *present = presence(self, value, names, at);
        at += PyTuple_GET_SIZE(names);
        int fits = present == NULL ? -1 : PySet_Contains(PyTuple_GET_ITEM(fit, 1), present);
        Py_XDECREF(present);
        if (fits <= 0) {
            if (fits == 0) {
                PyErr_SetString(PyExc_ValueError, "these members fit no direction together");
            }
            return NULL;
        }
    }
    Py_RETURN_NONE;
}

static PyTypeObject ChecksType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "wirebook.validate._sift.Checks",
    .tp_basicsize = sizeof(Checks),
    .tp_dealloc = (destructor)Checks_dealloc,
    .tp_call = (ternaryfunc)Checks_call,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_traverse = (traverseproc)Checks_traverse,
    .tp_clear = (inquiry)Checks_clear,
    .tp_doc = "Checks(names, known, checks, fits, unset): the __post_init__ of a Struct of the "
              "fast path: each attribute not unset passes (its value known, or its check true), "
              "and the attributes set fit (their presences a tuple in the set); else ValueError",
    .tp_new = Checks_new,
};

static PyMethodDef methods[] = {
    {"sift", (PyCFunction)(void (*)(void))sift, METH_FASTCALL,
     "sift(decode, lines, routes=()) -> ({type of the values taken: how many}, indexes of the "
     "lines refused); routes: (version, decode) pairs, tried first on the lines naming the "
     "version (`\"v\":2`)"},
    {"tally", (PyCFunction)(void (*)(void))tally, METH_FASTCALL,
     "tally(verdicts, indexes, first, finding, per_type, invalid, per_kind) -> a finding "
     "(first + index, type, rejections) for each line whose verdict has rejections; each "
     "verdict's lines added to the counts of its label and kinds"},
    {"text_lines", (PyCFunction)(void (*)(void))text_lines, METH_FASTCALL,
     "text_lines(place, base, findings, by_id, compose) -> the text report's lines of the "
     "findings, each `place:number: ` joined into its words (by_id's, else compose(finding)'s)"},
    {"suspect", suspect_text, METH_O,
     "suspect(text) -> whether some object of the JSON text repeats a key, or the text has what "
     "is not looked at closely: a key with an escape, nesting over 64 levels, over 256 keys open "
     "at once, a number of 19 digits or more"},
    {"nesting", nesting_text, METH_O,
     "nesting(text) -> the most containers (objects, arrays) that enclose one value of the JSON "
     "text"},
    {"skeleton", (PyCFunction)(void (*)(void))skeleton, METH_FASTCALL,
     "skeleton(text, plan) -> the text with the strings that plan names (by their member names "
     "from the root) and bounds replaced by one byte 0xFF, or None"},
    {"recall", (PyCFunction)(void (*)(void))recall, METH_FASTCALL,
     "recall(lines, indexes, plan, memory, texts, longest) -> (for each index, memory's value "
     "for the skeleton of lines[index] (with plan), else texts' value for the line, "
     "else that skeleton, else None; the places of those without a value)"},
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
    TYPE = PyUnicode_InternFromString("type");
    REJECTIONS = PyUnicode_InternFromString("rejections");
    LABEL = PyUnicode_InternFromString("label");
    KINDS_NAME = PyUnicode_InternFromString("kinds");
    if (TYPE == NULL || REJECTIONS == NULL || LABEL == NULL || KINDS_NAME == NULL) {
        return NULL;
    }
    if (PyType_Ready(&ChecksType) < 0) {
        return NULL;
    }
    PyObject *created = PyModule_Create(&module);
    if (created == NULL) {
        return NULL;
    }
    Py_INCREF(&ChecksType);
    if (PyModule_AddIntConstant(created, "HEAD", HEAD) < 0
        || PyModule_AddObject(created, "Checks", (PyObject *)&ChecksType) < 0) {
        Py_DECREF(&ChecksType);
        Py_DECREF(created);
        return NULL;
    }
    return created;
}
