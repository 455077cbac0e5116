//! The host logic of `lab grade`, apart from booting: the instructor's rubric
//! ([`rubric`]), the guest's clause results read from their own channel
//! ([`channel`], [`markers`]), scoring them into a [`results::GradeReport`] ([`score`]),
//! and rendering it ([`render`]).

pub mod channel;
pub mod markers;
pub mod render;
pub mod rubric;
pub mod score;

pub use markers::{ClauseVerdict, Observation};
pub use rubric::{Clause, Rubric, GROUPS, PART_GROUPS};
pub use score::{score, Submission};
