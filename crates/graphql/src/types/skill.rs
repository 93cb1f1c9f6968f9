use std::sync::Arc;

use async_graphql::{ID, Object};
use entity::skill;

use super::enums::SkillCategory;

pub struct Skill(pub Arc<skill::Model>);

/// A skill from the shared taxonomy.
#[Object]
impl Skill {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Stable, URL-safe identifier: what `setSkills` takes.
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    async fn category(&self) -> SkillCategory {
        self.0.category.into()
    }
}
