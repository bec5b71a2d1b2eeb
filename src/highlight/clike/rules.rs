//! The word tables and lexical rules of each language the C-family lexer reads. Tables are
//! sorted for binary search (byte order; ASCII case-insensitive for SQL); a test checks it.

use super::{Decorators, Rules};

pub(in crate::highlight) const BASE: Rules = Rules {
    keywords: &[],
    types: &[],
    constants: &[],
    fn_keywords: &[],
    type_keywords: &[],
    line_comments: &["//"],
    block_comment: Some(("/*", "*/")),
    nested_comments: false,
    quotes: b"\"'",
    multiline_strings: false,
    multiline_backtick: false,
    raw_backtick: false,
    triple_quotes: false,
    string_prefixes: &[],
    backslash_escapes: true,
    rust: false,
    preprocessor: false,
    cpp_raw_strings: false,
    decorators: Decorators::None,
    capitalized_types: false,
    regex_literals: false,
    ignore_case: false,
    string_keys: false,
};

pub(in crate::highlight) const RUST: Rules = Rules {
    keywords: &[
        "Self", "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum",
        "extern", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub",
        "ref", "return", "self", "static", "struct", "super", "trait", "type", "union", "unsafe", "use",
        "where", "while", "yield",
    ],
    types: &[
        "bool", "char", "f32", "f64", "i128", "i16", "i32", "i64", "i8", "isize", "str", "u128", "u16",
        "u32", "u64", "u8", "usize",
    ],
    constants: &["false", "true"],
    fn_keywords: &["fn"],
    type_keywords: &["enum", "struct", "trait", "type", "union"],
    nested_comments: true,
    quotes: b"\"",
    multiline_strings: true,
    string_prefixes: &["b", "br", "c", "cr", "r"],
    rust: true,
    capitalized_types: true,
    ..BASE
};

pub(in crate::highlight) const C_KEYWORDS: &[&str] = &[
    "_Alignas", "_Alignof", "_Atomic", "_Generic", "_Noreturn", "_Static_assert", "_Thread_local",
    "alignas", "alignof", "auto", "break", "case", "const", "constexpr", "continue", "default", "do",
    "else", "enum", "extern", "for", "goto", "if", "inline", "register", "restrict", "return", "sizeof",
    "static", "static_assert", "struct", "switch", "thread_local", "typedef", "typeof", "union", "volatile",
    "while",
];

pub(in crate::highlight) const C_TYPES: &[&str] = &[
    "FILE", "_Bool", "bool", "char", "double", "float", "int", "long", "short", "signed", "unsigned",
    "void",
];

pub(in crate::highlight) const C: Rules = Rules {
    keywords: C_KEYWORDS,
    types: C_TYPES,
    constants: &["NULL", "false", "nullptr", "true"],
    type_keywords: &["enum", "struct", "union"],
    preprocessor: true,
    capitalized_types: true,
    string_prefixes: &["L", "U", "u", "u8"],
    ..BASE
};

pub(in crate::highlight) const CPP: Rules = Rules {
    keywords: &[
        "alignas", "alignof", "and", "asm", "auto", "break", "case", "catch", "class", "co_await",
        "co_return", "co_yield", "concept", "const", "const_cast", "consteval", "constexpr", "constinit",
        "continue", "decltype", "default", "delete", "do", "dynamic_cast", "else", "enum", "explicit",
        "export", "extern", "final", "for", "friend", "goto", "if", "inline", "mutable", "namespace", "new",
        "noexcept", "not", "operator", "or", "override", "private", "protected", "public", "register",
        "reinterpret_cast", "requires", "return", "sizeof", "static", "static_assert", "static_cast",
        "struct", "switch", "template", "this", "thread_local", "throw", "try", "typedef", "typeid",
        "typename", "union", "using", "virtual", "volatile", "while",
    ],
    types: &[
        "bool", "char", "char16_t", "char32_t", "char8_t", "double", "float", "int", "long", "short",
        "signed", "unsigned", "void", "wchar_t",
    ],
    constants: &["NULL", "false", "nullptr", "true"],
    type_keywords: &["class", "enum", "struct", "union"],
    preprocessor: true,
    cpp_raw_strings: true,
    capitalized_types: true,
    string_prefixes: &["L", "U", "u", "u8"],
    ..BASE
};

pub(in crate::highlight) const GO: Rules = Rules {
    keywords: &[
        "break", "case", "chan", "const", "continue", "default", "defer", "else", "fallthrough", "for",
        "func", "go", "goto", "if", "import", "interface", "map", "package", "range", "return", "select",
        "struct", "switch", "type", "var",
    ],
    types: &[
        "any", "bool", "byte", "comparable", "complex128", "complex64", "error", "float32", "float64",
        "int", "int16", "int32", "int64", "int8", "rune", "string", "uint", "uint16", "uint32", "uint64",
        "uint8", "uintptr",
    ],
    constants: &["false", "iota", "nil", "true"],
    fn_keywords: &["func"],
    type_keywords: &["type"],
    quotes: b"\"'`",
    multiline_backtick: true,
    raw_backtick: true,
    ..BASE
};

pub(in crate::highlight) const JAVA: Rules = Rules {
    keywords: &[
        "abstract", "assert", "break", "case", "catch", "class", "const", "continue", "default", "do",
        "else", "enum", "extends", "final", "finally", "for", "goto", "if", "implements", "import",
        "instanceof", "interface", "native", "new", "package", "permits", "private", "protected", "public",
        "record", "return", "sealed", "static", "strictfp", "super", "switch", "synchronized", "this",
        "throw", "throws", "transient", "try", "var", "void", "volatile", "while", "yield",
    ],
    types: &[
        "boolean", "byte", "char", "double", "float", "int", "long", "short",
    ],
    constants: &["false", "null", "true"],
    type_keywords: &["class", "enum", "interface", "record"],
    triple_quotes: true,
    decorators: Decorators::Anywhere,
    capitalized_types: true,
    ..BASE
};

pub(in crate::highlight) const JAVASCRIPT: Rules = Rules {
    keywords: &[
        "async", "await", "break", "case", "catch", "class", "const", "continue", "debugger", "default",
        "delete", "do", "else", "export", "extends", "finally", "for", "from", "function", "if", "import",
        "in", "instanceof", "let", "new", "of", "return", "static", "super", "switch", "this", "throw",
        "try", "typeof", "var", "void", "while", "with", "yield",
    ],
    constants: &["Infinity", "NaN", "false", "null", "true", "undefined"],
    fn_keywords: &["function"],
    type_keywords: &["class"],
    quotes: b"\"'`",
    multiline_backtick: true,
    capitalized_types: true,
    regex_literals: true,
    ..BASE
};

pub(in crate::highlight) const TYPESCRIPT: Rules = Rules {
    keywords: &[
        "abstract", "as", "async", "await", "break", "case", "catch", "class", "const", "continue",
        "debugger", "declare", "default", "delete", "do", "else", "enum", "export", "extends", "finally",
        "for", "from", "function", "if", "implements", "import", "in", "infer", "instanceof", "interface",
        "is", "keyof", "let", "namespace", "new", "of", "override", "private", "protected", "public",
        "readonly", "return", "satisfies", "static", "super", "switch", "this", "throw", "try", "type",
        "typeof", "var", "void", "while", "with", "yield",
    ],
    types: &[
        "any", "bigint", "boolean", "never", "number", "object", "string", "symbol", "unknown",
    ],
    type_keywords: &["class", "enum", "interface", "type"],
    decorators: Decorators::Anywhere,
    ..JAVASCRIPT
};

pub(in crate::highlight) const PYTHON: Rules = Rules {
    keywords: &[
        "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del", "elif", "else",
        "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal",
        "not", "or", "pass", "raise", "return", "try", "while", "with", "yield",
    ],
    types: &[
        "bool", "bytearray", "bytes", "complex", "dict", "float", "frozenset", "int", "list", "object",
        "set", "str", "tuple", "type",
    ],
    constants: &["False", "None", "NotImplemented", "True"],
    fn_keywords: &["def"],
    type_keywords: &["class"],
    line_comments: &["#"],
    block_comment: None,
    triple_quotes: true,
    string_prefixes: &[
        "B", "BR", "Br", "F", "FR", "Fr", "R", "RB", "RF", "Rb", "Rf", "U", "b", "bR", "br", "f", "fR", "fr",
        "r", "rB", "rF", "rb", "rf", "u",
    ],
    decorators: Decorators::LineStart,
    capitalized_types: true,
    ..BASE
};

pub(in crate::highlight) const SQL: Rules = Rules {
    keywords: &[
        "ADD", "ALL", "ALTER", "AND", "ANY", "AS", "ASC", "AUTOINCREMENT", "BEGIN", "BETWEEN", "BY",
        "CASCADE", "CASE", "CHECK", "COLUMN", "COMMIT", "CONFLICT", "CONSTRAINT", "CREATE", "CROSS",
        "DATABASE", "DEFAULT", "DELETE", "DESC", "DISTINCT", "DO", "DROP", "ELSE", "END", "EXCEPT",
        "EXISTS", "EXPLAIN", "FOREIGN", "FROM", "FULL", "GRANT", "GROUP", "HAVING", "IF", "IN", "INDEX",
        "INNER", "INSERT", "INTERSECT", "INTO", "IS", "JOIN", "KEY", "LEFT", "LIKE", "LIMIT", "NATURAL",
        "NOT", "NOTHING", "OFFSET", "ON", "OR", "ORDER", "OUTER", "OVER", "PARTITION", "PRIMARY",
        "REFERENCES", "RETURNING", "REVOKE", "RIGHT", "ROLLBACK", "SELECT", "SET", "TABLE", "THEN", "TO",
        "TRANSACTION", "TRIGGER", "TRUNCATE", "UNION", "UNIQUE", "UPDATE", "USING", "VALUES", "VIEW",
        "WHEN", "WHERE", "WINDOW", "WITH",
    ],
    types: &[
        "BIGINT", "BLOB", "BOOL", "BOOLEAN", "BYTEA", "CHAR", "DATE", "DATETIME", "DECIMAL", "DOUBLE",
        "FLOAT", "INT", "INTEGER", "INTERVAL", "JSON", "JSONB", "NUMERIC", "REAL", "SERIAL", "SMALLINT",
        "TEXT", "TIME", "TIMESTAMP", "TIMESTAMPTZ", "UUID", "VARCHAR",
    ],
    constants: &["FALSE", "NULL", "TRUE"],
    line_comments: &["--"],
    quotes: b"'\"",
    multiline_strings: true,
    backslash_escapes: false,
    ignore_case: true,
    ..BASE
};

pub(in crate::highlight) const JSON: Rules = Rules {
    constants: &["false", "null", "true"],
    quotes: b"\"",
    string_keys: true,
    ..BASE
};
