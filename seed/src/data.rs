//! The prototype data of the client's spec, section 6, as plain values.

use entity::enums::{AvailabilityStatus, SkillCategory, UserRole};

/// 87 skills in the spec's 8 categories. Skill names are unique, so "Analytics", which the spec
/// lists under both PRODUCT and DATA, appears once (under PRODUCT, where the three builders who
/// have it work); DATA has "Data Analysis" instead.
#[rustfmt::skip]
pub const SKILLS: &[(SkillCategory, &[&str])] = &[
    (
        SkillCategory::Engineering,
        &[
            "Python", "JavaScript", "TypeScript", "React", "Next.js", "Node.js", "Go", "Rust",
            "PostgreSQL", "FastAPI", "GraphQL", "Docker", "Kubernetes", "AWS", "gRPC", "Redis",
            "Java", "Swift", "Kotlin", "Vue.js", "Django", "Ruby on Rails", "GCP", "Terraform",
            "MongoDB", "Tailwind CSS",
        ],
    ),
    (
        SkillCategory::Design,
        &[
            "Figma", "UI/UX", "Prototyping", "Design Systems", "User Research",
            "Interaction Design", "Visual Design", "Motion Design", "Illustration",
            "Accessibility", "Information Architecture",
        ],
    ),
    (
        SkillCategory::Product,
        &[
            "Product Strategy", "Roadmapping", "User Stories", "Analytics", "A/B Testing",
            "Product Discovery", "Pricing", "Customer Interviews", "Go-to-Market",
        ],
    ),
    (
        SkillCategory::Marketing,
        &[
            "Content Strategy", "SEO", "Social Media", "Brand Design", "Copywriting",
            "Email Marketing", "Public Relations", "Video Production", "Product Marketing",
        ],
    ),
    (
        SkillCategory::Growth,
        &[
            "Growth Hacking", "Paid Acquisition", "Partnerships", "Community Building",
            "Funnel Optimization", "Retention", "Referral Programs", "Lifecycle Marketing",
        ],
    ),
    (
        SkillCategory::Data,
        &[
            "Machine Learning", "Data Engineering", "Data Analysis", "SQL", "Python (Data)",
            "Visualization", "TensorFlow", "PyTorch", "Statistics", "NLP",
        ],
    ),
    (
        SkillCategory::Operations,
        &[
            "Project Management", "Agile", "DevOps", "CI/CD", "Technical Writing", "QA Testing",
            "Customer Support", "Finance",
        ],
    ),
    (
        SkillCategory::Other,
        &["Public Speaking", "Fundraising", "Legal", "Recruiting", "Mentoring", "Sales"],
    ),
];

pub struct Builder {
    pub username: &'static str,
    pub display_name: &'static str,
    pub headline: &'static str,
    pub bio: &'static str,
    pub primary_role: UserRole,
    pub availability: AvailabilityStatus,
    pub builder_score: f64,
    pub skills: &'static [&'static str],
}

/// The ten builders of the landing page. Availability: "Open to collaborate" is OPEN_TO_TRIBE,
/// "Available for projects" is AVAILABLE_FOR_PROJECTS, "Just browsing" is JUST_BROWSING.
/// "Collaborating" (James) has no value of its own: he is busy in a tribe and not looking, which
/// is JUST_BROWSING. Builders the spec gives no availability keep the column default,
/// JUST_BROWSING.
pub const BUILDERS: &[Builder] = &[
    Builder {
        username: "mayachen",
        display_name: "Maya Chen",
        headline: "Full-Stack Developer",
        bio: "Full-stack developer who ships end to end, from database schema to pixel. Building tools that help people find work they love.",
        primary_role: UserRole::Engineer,
        availability: AvailabilityStatus::OpenToTribe,
        builder_score: 72.0,
        skills: &["React", "Python", "PostgreSQL", "FastAPI"],
    },
    Builder {
        username: "jamesokafor",
        display_name: "James Okafor",
        headline: "Product Designer",
        bio: "Product designer obsessed with design systems and the details that make software feel calm.",
        primary_role: UserRole::Designer,
        availability: AvailabilityStatus::JustBrowsing,
        builder_score: 58.0,
        skills: &["Figma", "UI/UX", "Prototyping"],
    },
    Builder {
        username: "priyasharma",
        display_name: "Priya Sharma",
        headline: "Backend Engineer",
        bio: "Backend engineer who likes boring, reliable infrastructure: Go services, gRPC and Kubernetes.",
        primary_role: UserRole::Engineer,
        availability: AvailabilityStatus::OpenToTribe,
        builder_score: 65.0,
        skills: &["Go", "Kubernetes", "gRPC"],
    },
    Builder {
        username: "davidmorales",
        display_name: "David Morales",
        headline: "Growth Marketer",
        bio: "Growth marketer turning content and search into compounding channels for open-source products.",
        primary_role: UserRole::Marketer,
        availability: AvailabilityStatus::AvailableForProjects,
        builder_score: 45.0,
        skills: &["SEO", "Analytics", "Content Strategy"],
    },
    Builder {
        username: "sarahkim",
        display_name: "Sarah Kim",
        headline: "ML Engineer",
        bio: "ML engineer building data pipelines and models that make learning more personal.",
        primary_role: UserRole::Engineer,
        availability: AvailabilityStatus::OpenToTribe,
        builder_score: 71.0,
        skills: &["Python", "TensorFlow", "Data Engineering"],
    },
    Builder {
        username: "alexrivera",
        display_name: "Alex Rivera",
        headline: "Frontend Developer",
        bio: "Frontend developer who loves fast, accessible interfaces in React and Next.js.",
        primary_role: UserRole::Engineer,
        availability: AvailabilityStatus::JustBrowsing,
        builder_score: 38.0,
        skills: &["React", "TypeScript", "Next.js"],
    },
    Builder {
        username: "elenavolkov",
        display_name: "Elena Volkov",
        headline: "Product Manager",
        bio: "Product manager who turns fuzzy problems into roadmaps small teams can ship.",
        primary_role: UserRole::Pm,
        availability: AvailabilityStatus::JustBrowsing,
        builder_score: 52.0,
        skills: &["Roadmapping", "Analytics", "User Stories"],
    },
    Builder {
        username: "marcusjohnson",
        display_name: "Marcus Johnson",
        headline: "DevOps Engineer",
        bio: "DevOps engineer who automates the path from commit to production on AWS.",
        primary_role: UserRole::Engineer,
        availability: AvailabilityStatus::JustBrowsing,
        builder_score: 61.0,
        skills: &["Docker", "Kubernetes", "AWS", "CI/CD"],
    },
    Builder {
        username: "aishapatel",
        display_name: "Aisha Patel",
        headline: "UX Researcher",
        bio: "UX researcher who listens first: interviews, usability studies and the numbers behind them.",
        primary_role: UserRole::Designer,
        availability: AvailabilityStatus::JustBrowsing,
        builder_score: 44.0,
        skills: &["User Research", "Prototyping", "Analytics"],
    },
    Builder {
        username: "tomnakamura",
        display_name: "Tom Nakamura",
        headline: "Founder/Engineer",
        bio: "Founder and engineer building software for independent hotels. Looking for a small tribe to build it with.",
        primary_role: UserRole::Founder,
        availability: AvailabilityStatus::JustBrowsing,
        builder_score: 68.0,
        skills: &["Python", "React", "PostgreSQL", "AWS"],
    },
];

pub struct ProjectSeed {
    pub key: &'static str,
    pub title: &'static str,
    pub owner: &'static str,
    pub description: &'static str,
    pub shipped: bool,
    pub tech_stack: &'static [&'static str],
    /// `impact_metrics` as given by the spec ("1.2k users").
    pub users: Option<i64>,
    pub github_stars: Option<i32>,
    /// Confirmed collaborators: (username, role).
    pub collaborators: &'static [(&'static str, &'static str)],
}

pub const PROJECTS: &[ProjectSeed] = &[
    ProjectSeed {
        key: "ai-resume-builder",
        title: "AI Resume Builder",
        owner: "mayachen",
        description: "Turns a messy work history into a focused, honest resume with the help of a language model.",
        shipped: true,
        tech_stack: &["React", "Python", "OpenAI", "PostgreSQL"],
        users: Some(1200),
        github_stars: Some(340),
        collaborators: &[],
    },
    ProjectSeed {
        key: "tribe-finder",
        title: "Tribe Finder",
        owner: "mayachen",
        description: "Matches builders into small teams by skills, availability and what they have shipped.",
        shipped: false,
        tech_stack: &["Next.js", "Go", "PostgreSQL"],
        users: None,
        github_stars: None,
        collaborators: &[("priyasharma", "Backend Engineer")],
    },
    ProjectSeed {
        key: "open-source-crm",
        title: "Open Source CRM",
        owner: "davidmorales",
        description: "A self-hostable CRM for small teams that outgrew spreadsheets.",
        shipped: false,
        tech_stack: &["React", "Node.js", "PostgreSQL"],
        users: None,
        github_stars: Some(89),
        collaborators: &[],
    },
    ProjectSeed {
        key: "design-system-kit",
        title: "Design System Kit",
        owner: "jamesokafor",
        description: "A Figma library and matching React components for shipping consistent interfaces fast.",
        shipped: true,
        tech_stack: &["Figma", "React", "Storybook"],
        users: None,
        github_stars: Some(520),
        collaborators: &[],
    },
    ProjectSeed {
        key: "ml-pipeline-framework",
        title: "ML Pipeline Framework",
        owner: "sarahkim",
        description: "Declarative, reproducible training pipelines from raw data to deployed model.",
        shipped: true,
        tech_stack: &["Python", "TensorFlow", "Docker"],
        users: None,
        github_stars: Some(2100),
        collaborators: &[],
    },
    ProjectSeed {
        key: "growth-analytics-dashboard",
        title: "Growth Analytics Dashboard",
        owner: "davidmorales",
        description: "One screen for acquisition, activation and retention, built on the tools a team already has.",
        shipped: false,
        tech_stack: &["Next.js", "Python", "Grafana"],
        users: None,
        github_stars: None,
        collaborators: &[("elenavolkov", "Product Manager")],
    },
];

pub struct TribeSeed {
    pub key: &'static str,
    pub name: &'static str,
    pub owner: &'static str,
    pub members: &'static [&'static str],
    pub mission: &'static str,
    pub active: bool,
    /// Open roles: (title, skills needed).
    pub open_roles: &'static [(&'static str, &'static [&'static str])],
}

pub const TRIBES: &[TribeSeed] = &[
    TribeSeed {
        key: "hospitality-os",
        name: "Hospitality OS",
        owner: "tomnakamura",
        members: &["mayachen", "jamesokafor"],
        mission: "Building the operating system for independent hotels.",
        active: false,
        open_roles: &[
            ("Backend Engineer", &["Go", "PostgreSQL"]),
            ("Growth Marketer", &["SEO", "Partnerships"]),
        ],
    },
    TribeSeed {
        key: "ai-for-education",
        name: "AI for Education",
        owner: "sarahkim",
        members: &["alexrivera"],
        mission: "Making personalized learning accessible to every student.",
        active: false,
        open_roles: &[("Product Designer", &["Figma", "User Research"])],
    },
    TribeSeed {
        key: "creator-economy-tools",
        name: "Creator Economy Tools",
        owner: "elenavolkov",
        members: &["marcusjohnson"],
        mission: "Empowering independent creators with better business tools.",
        active: true,
        open_roles: &[],
    },
];

/// What a seeded feed event points at.
pub enum Target {
    Project(&'static str),
    Tribe(&'static str),
    /// The actor themself (BUILDER_JOINED).
    Actor,
}

pub enum EventKind {
    ProjectCreated,
    ProjectShipped,
    CollaborationConfirmed,
    TribeCreated,
    MemberJoinedTribe,
    BuilderJoined,
}

pub struct EventSeed {
    pub kind: EventKind,
    pub actor: &'static str,
    pub target: Target,
}

/// The 15 events of the prototype feed, newest first, as the spec lists them.
///
/// The spec contradicts itself in two places; the reading chosen keeps every event's actor the
/// person who really did it to a target that really exists, and no event twice:
/// * Event 2, "Priya formed Hospitality OS (use actual tribe)": Hospitality OS is Tom's and its
///   creation is already event 8, and Priya owns no tribe. The one tribe with no creation event
///   is Creator Economy Tools, so event 2 is its owner, Elena, forming it. (The spec's order
///   still puts Marcus joining it, event 9, before that; the prototype's order is kept as given,
///   as it is for events 6/7 and 10/11.)
/// * Event 3, "Alex started building a project": Alex owns none of the six projects. The one
///   in-progress project with no creation event is Open Source CRM, so event 3 is its owner,
///   David, creating it.
#[rustfmt::skip]
pub const EVENTS: &[EventSeed] = &[
    EventSeed { kind: EventKind::ProjectShipped, actor: "mayachen", target: Target::Project("ai-resume-builder") },
    EventSeed { kind: EventKind::TribeCreated, actor: "elenavolkov", target: Target::Tribe("creator-economy-tools") },
    EventSeed { kind: EventKind::ProjectCreated, actor: "davidmorales", target: Target::Project("open-source-crm") },
    EventSeed { kind: EventKind::MemberJoinedTribe, actor: "jamesokafor", target: Target::Tribe("hospitality-os") },
    EventSeed { kind: EventKind::ProjectShipped, actor: "sarahkim", target: Target::Project("ml-pipeline-framework") },
    EventSeed { kind: EventKind::ProjectCreated, actor: "davidmorales", target: Target::Project("growth-analytics-dashboard") },
    EventSeed { kind: EventKind::CollaborationConfirmed, actor: "elenavolkov", target: Target::Project("growth-analytics-dashboard") },
    EventSeed { kind: EventKind::TribeCreated, actor: "tomnakamura", target: Target::Tribe("hospitality-os") },
    EventSeed { kind: EventKind::MemberJoinedTribe, actor: "marcusjohnson", target: Target::Tribe("creator-economy-tools") },
    EventSeed { kind: EventKind::ProjectCreated, actor: "mayachen", target: Target::Project("tribe-finder") },
    EventSeed { kind: EventKind::CollaborationConfirmed, actor: "priyasharma", target: Target::Project("tribe-finder") },
    EventSeed { kind: EventKind::TribeCreated, actor: "sarahkim", target: Target::Tribe("ai-for-education") },
    EventSeed { kind: EventKind::BuilderJoined, actor: "alexrivera", target: Target::Actor },
    EventSeed { kind: EventKind::ProjectShipped, actor: "jamesokafor", target: Target::Project("design-system-kit") },
    EventSeed { kind: EventKind::BuilderJoined, actor: "aishapatel", target: Target::Actor },
];

/// Who follows whom among the ten builders (follower, followee), so that every builder's
/// FOLLOWING feed has something in it.
pub const FOLLOWS: &[(&str, &str)] = &[
    ("mayachen", "priyasharma"),
    ("mayachen", "jamesokafor"),
    ("mayachen", "tomnakamura"),
    ("mayachen", "sarahkim"),
    ("jamesokafor", "mayachen"),
    ("jamesokafor", "aishapatel"),
    ("jamesokafor", "tomnakamura"),
    ("priyasharma", "mayachen"),
    ("priyasharma", "marcusjohnson"),
    ("priyasharma", "sarahkim"),
    ("davidmorales", "elenavolkov"),
    ("davidmorales", "mayachen"),
    ("sarahkim", "alexrivera"),
    ("sarahkim", "priyasharma"),
    ("sarahkim", "mayachen"),
    ("alexrivera", "sarahkim"),
    ("alexrivera", "mayachen"),
    ("alexrivera", "jamesokafor"),
    ("elenavolkov", "davidmorales"),
    ("elenavolkov", "marcusjohnson"),
    ("elenavolkov", "aishapatel"),
    ("marcusjohnson", "elenavolkov"),
    ("marcusjohnson", "priyasharma"),
    ("aishapatel", "jamesokafor"),
    ("aishapatel", "elenavolkov"),
    ("tomnakamura", "mayachen"),
    ("tomnakamura", "jamesokafor"),
    ("tomnakamura", "priyasharma"),
];
