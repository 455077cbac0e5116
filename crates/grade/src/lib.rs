//! The host logic of `lab grade`, apart from booting: the instructor's rubric
//! ([`rubric`]), the guest's clause results read from a console
//! ([`markers`]), scoring them into a [`results::GradeReport`] ([`score`]),
//! and rendering it ([`render`]).

pub mod markers;
pub mod render;
pub mod rubric;
pub mod score;

pub use markers::{ClauseVerdict, Marker, Observation};
pub use rubric::{Clause, Rubric, GROUPS};
pub use score::{score, Submission};
