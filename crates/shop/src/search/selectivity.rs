//! Recent answers to "does this `q` match few names?" (SQLite's trigram probe), kept for a
//! minute. The probe counts up to 10,000 trigram candidates: about 12 ms for a term in a
//! fifth of a million names, a quarter of that search's time. The answer is only a choice of
//! plan (the rows are the same either way) and moves only as the catalog does, while the
//! searches people repeat are the common ones.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long an answer is reused.
const FRESH: Duration = Duration::from_secs(60);
/// Terms remembered at most; past that the memory starts over.
const TERMS: usize = 4096;

static ANSWERS: Mutex<Option<HashMap<String, (bool, Instant)>>> = Mutex::new(None);

/// The answer for `term` given less than a minute ago, if any.
pub fn recalled(term: &str) -> Option<bool> {
    let answers = ANSWERS.lock().ok()?;
    let (selective, at) = answers.as_ref()?.get(term)?;
    (at.elapsed() < FRESH).then_some(*selective)
}

/// Remembers the answer for `term`.
pub fn remember(term: &str, selective: bool) {
    if let Ok(mut answers) = ANSWERS.lock() {
        let answers = answers.get_or_insert_with(HashMap::new);
        if answers.len() >= TERMS {
            answers.clear();
        }
        answers.insert(term.to_owned(), (selective, Instant::now()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_is_recalled_for_its_term_only() {
        remember("selectivity-test-term", true);
        assert_eq!(recalled("selectivity-test-term"), Some(true));
        remember("selectivity-test-term", false);
        assert_eq!(recalled("selectivity-test-term"), Some(false));
        assert_eq!(recalled("selectivity-other-term"), None);
    }
}
