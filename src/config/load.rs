use super::*;
pub fn load(_path: &std::path::Path) -> Result<(Config, Problems), Problems> {
    todo!()
}
pub fn parse_str(_text: &str, _path: &std::path::Path) -> Result<(Config, Problems), Problems> {
    todo!()
}
