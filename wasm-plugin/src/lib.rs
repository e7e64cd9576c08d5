//! WebAssembly front end (issue 4).
