//! Which delegated scopes serve each Graph operation: the table lives in the permissions room
//! (`crate::permissions`); this module keeps the `graph::scopes::…` paths its users name.

pub(crate) use crate::permissions::{
    acceptable_scopes, all_users_form, job_visibility, JobVisibility, Operation,
};
