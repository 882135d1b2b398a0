#[derive(Debug, Clone)]
pub enum Severity {
    Error,
    Warning,
}
#[derive(Debug, Clone)]
pub struct Problem;
#[derive(Debug, Clone, Default)]
pub struct Problems(pub Vec<Problem>);
