//! Golden vectors: loading and comparison shared by every front end's tests.
