//! Runs the fuzz target's committed corpus (`fuzz/corpus/policy`) as an ordinary test, so CI
//! exercises every input the fuzzer kept without the fuzzer itself.

use std::path::Path;

#[test]
fn no_corpus_input_panics() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/policy");
    let mut inputs = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        if let Ok(text) = std::str::from_utf8(&bytes) {
            immperm_build::audit::exercise(text);
        }
        inputs += 1;
    }
    assert!(
        inputs > 100,
        "the corpus at {} has {inputs} inputs",
        dir.display()
    );
}
