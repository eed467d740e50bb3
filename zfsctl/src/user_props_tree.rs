//! Reading the user properties of a whole dataset tree: in the kernel, with
//! one read-only channel program, where possible; with a walk over open
//! handles where not.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::ffi::CString;

use tracing::debug;

use crate::error::{Error, Result};
use crate::name::{DatasetName, NameKind};
use crate::sys::NvValue;
use crate::user_prop::UserProp;
use crate::zfs::{Zfs, c_string, wrong_kind};

/// The user properties of one dataset: name and value.
pub type UserPropMap = BTreeMap<UserProp, String>;

/// The channel program. Its arguments are `root`, the dataset at the top,
/// and `scope`: `subtree` returns `root` and every descendant filesystem and
/// volume, `one` returns `root` alone and the names of its children. The
/// result holds `datasets`, a table of dataset name to a table of user
/// property name to value, and for `one` also `children`, whose keys are the
/// children's names. `zfs.list.properties` is the older name of
/// `zfs.list.user_properties`.
const USER_PROPS_PROGRAM: &str = r#"
local args = ...
local root, scope = args["root"], args["scope"]
local user_props = zfs.list.user_properties or zfs.list.properties
local datasets = {}

local function read(dataset)
    local props = {}
    for name, value in user_props(dataset) do
        props[name] = value
    end
    datasets[dataset] = props
end

local function walk(dataset)
    read(dataset)
    for child in zfs.list.children(dataset) do
        walk(child)
    end
end

if scope == "one" then
    read(root)
    local children = {}
    for child in zfs.list.children(root) do
        children[child] = ""
    end
    return { datasets = datasets, children = children }
end
walk(root)
return { datasets = datasets }
"#;

/// The errno of a program over its instruction limit. FreeBSD has no
/// `ETIME`; its OpenZFS port is taken to report `ETIMEDOUT` instead, which
/// was not checked on FreeBSD.
#[cfg(not(target_os = "freebsd"))]
const ETIME: i32 = libc::ETIME;
#[cfg(target_os = "freebsd")]
const ETIME: i32 = libc::ETIMEDOUT;

/// `ETIME`, `ENOSPC` and `ENOMEM` from `lzc_channel_program_nosync`: the
/// program ran over its instruction limit or its memory limit, or its result
/// did not fit the output buffer (whose size is the memory limit).
fn is_limit_error(errno: i32) -> bool {
    errno == ETIME || errno == libc::ENOSPC || errno == libc::ENOMEM
}

/// Limits for one channel program run by [`Zfs::user_props_tree`].
///
/// The kernel refuses (`EINVAL`) an instruction limit of 0 or above the
/// `zfs_lua_max_instrlimit` module parameter (100,000,000 by default), and a
/// memory limit above `zfs_lua_max_memlimit` (100 MiB by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProgramLimits {
    /// Lua instructions the program may run; the kernel checks every 100.
    pub instructions: u64,
    /// Bytes of memory the program may use; also the size of the buffer
    /// that receives its result.
    pub memory: u64,
}

impl Default for ProgramLimits {
    /// 10,000,000 instructions (`ZCP_DEFAULT_INSTRLIMIT`) and 32 MiB. A
    /// tree over either limit is read in pages, so these bound the size of
    /// one program, not of the tree.
    fn default() -> Self {
        Self {
            instructions: 10_000_000,
            memory: 32 << 20,
        }
    }
}

/// The user properties of a dataset tree, and how they were read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserPropsTree {
    /// Each filesystem and volume of the tree, in the order of
    /// [`Dataset::walk_user_props`](crate::Dataset::walk_user_props), with
    /// every user property it has (local, inherited or received) and its
    /// value.
    pub datasets: Vec<(DatasetName, UserPropMap)>,
    /// How many channel programs ran to completion.
    pub programs: u32,
    /// How many subtrees were read with the walk over open handles instead.
    pub walks: u32,
}

/// The scope of one program run: the `scope` argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    Subtree,
    One,
}

impl Scope {
    fn as_str(self) -> &'static str {
        match self {
            Scope::Subtree => "subtree",
            Scope::One => "one",
        }
    }
}

/// What a completed program returned, still as nvlist values.
struct ProgramResult {
    datasets: Vec<(String, NvValue)>,
    children: Vec<String>,
}

impl Zfs {
    /// Every user property of `root` and of all its descendant filesystems
    /// and volumes, parent before children and children in name order, the
    /// same list as [`Dataset::walk_user_props`](crate::Dataset::walk_user_props)
    /// returns. Snapshots are not read.
    ///
    /// The tree is read in the kernel by a read-only channel program, in one
    /// ioctl, with the default [`ProgramLimits`]; see
    /// [`Zfs::user_props_tree`] for what happens when that is not possible.
    ///
    /// References: libzfs_core `lzc_channel_program_nosync`; the channel
    /// program functions `zfs.list.children` and `zfs.list.user_properties`
    /// of zfs-program(8).
    #[doc(alias = "lzc_channel_program_nosync")]
    pub fn user_props_recursive(
        &self,
        root: &DatasetName,
    ) -> Result<Vec<(DatasetName, UserPropMap)>> {
        Ok(self
            .user_props_tree(root, ProgramLimits::default())?
            .datasets)
    }

    /// Like [`Zfs::user_props_recursive`], with the given limits, and says
    /// how the tree was read.
    ///
    /// A subtree whose program runs over a limit (`ETIME`, `ENOSPC`,
    /// `ENOMEM`) is read in pages: one program for its top dataset and the
    /// names of its children, then the same for each child's subtree. A
    /// program that fails otherwise (no `lzc_channel_program_nosync` in
    /// libzfs_core, no permission: channel programs need root and
    /// `/dev/zfs`, or a limit hit by a single dataset) is replaced by the
    /// walk over open handles for its subtree, and any error then comes from
    /// that walk.
    ///
    /// Limitations: programs of one call run one after another, each a
    /// consistent view, so a tree changed between two pages is read partly
    /// before and partly after the change.
    ///
    /// References: libzfs_core `lzc_channel_program_nosync`; libzfs
    /// `zfs_get_user_props`, `zfs_iter_filesystems_v2`.
    #[doc(alias = "lzc_channel_program_nosync")]
    pub fn user_props_tree(
        &self,
        root: &DatasetName,
        limits: ProgramLimits,
    ) -> Result<UserPropsTree> {
        if root.kind() != NameKind::Dataset {
            return Err(wrong_kind(
                "lzc_channel_program_nosync",
                root,
                "a filesystem or volume name",
            ));
        }
        let mut tree = UserPropsTree {
            datasets: Vec::new(),
            programs: 0,
            walks: 0,
        };
        self.read_subtree(root, limits, &mut tree)?;
        tree.datasets.sort_by(|a, b| walk_order(&a.0, &b.0));
        Ok(tree)
    }

    /// Reads `root`'s subtree into `tree`: one program, in pages when it runs
    /// over a limit, or the walk over open handles.
    fn read_subtree(
        &self,
        root: &DatasetName,
        limits: ProgramLimits,
        tree: &mut UserPropsTree,
    ) -> Result<()> {
        // The whole subtree in one program.
        match self.run_program(root, Scope::Subtree, limits)? {
            Ok(result) => {
                tree.programs += 1;
                return absorb(result.datasets, tree);
            }
            Err(errno) if is_limit_error(errno) => {}
            Err(_) => return self.walk_subtree(root, tree),
        }

        // Over a limit: the top dataset and its children's names, then each
        // child's subtree on its own.
        let result = match self.run_program(root, Scope::One, limits)? {
            Ok(result) => result,
            Err(_) => return self.walk_subtree(root, tree),
        };
        tree.programs += 1;
        absorb(result.datasets, tree)?;
        for child in result.children {
            self.read_subtree(&DatasetName::new(child)?, limits, tree)?;
        }
        Ok(())
    }

    fn walk_subtree(&self, root: &DatasetName, tree: &mut UserPropsTree) -> Result<()> {
        tree.walks += 1;
        let walked = self.dataset(root)?.walk_user_props()?;
        tree.datasets.extend(walked);
        Ok(())
    }

    /// Runs the program once. The outer error is one zfsctl cannot go on
    /// from; the inner one is the errno of a program that did not complete.
    fn run_program(
        &self,
        root: &DatasetName,
        scope: Scope,
        limits: ProgramLimits,
    ) -> Result<Result<ProgramResult, i32>> {
        let pool = c_string(root.pool())?;
        let program = CString::new(USER_PROPS_PROGRAM).expect("the program holds no NUL");
        let args = [("root", root.as_str()), ("scope", scope.as_str())];
        let args_list = self.string_list(root, &args)?;
        debug!(
            pool = %root.pool(),
            instrlimit = limits.instructions,
            memlimit = limits.memory,
            args = ?args,
            "lzc_channel_program_nosync()"
        );
        let Some((errno, output)) = self.lz.channel_program_nosync(
            &pool,
            &program,
            (limits.instructions, limits.memory),
            &args_list,
        ) else {
            debug!("libzfs_core has no lzc_channel_program_nosync");
            return Ok(Err(libc::ENOSYS));
        };
        if errno != 0 {
            let message = output
                .iter()
                .find_map(|(key, value)| match (key.as_str(), value) {
                    ("error", NvValue::String(text)) => Some(text.as_str()),
                    _ => None,
                });
            debug!(errno, error = ?message, "lzc_channel_program_nosync() failed");
            return Ok(Err(errno));
        }
        Ok(parse_output(output).ok_or(libc::EINVAL))
    }
}

/// Finds `return.datasets` and `return.children` in the program's output.
fn parse_output(output: Vec<(String, NvValue)>) -> Option<ProgramResult> {
    let returned = output.into_iter().find_map(|(key, value)| match value {
        NvValue::List(list) if key == "return" => Some(list),
        _ => None,
    })?;
    let mut result = ProgramResult {
        datasets: Vec::new(),
        children: Vec::new(),
    };
    let mut found_datasets = false;
    for (key, value) in returned {
        match (key.as_str(), value) {
            ("datasets", NvValue::List(list)) => {
                result.datasets = list;
                found_datasets = true;
            }
            ("children", NvValue::List(list)) => {
                result.children = list.into_iter().map(|(name, _)| name).collect();
            }
            _ => {}
        }
    }
    found_datasets.then_some(result)
}

/// Adds each `dataset name -> {property -> value}` entry to `tree`.
fn absorb(datasets: Vec<(String, NvValue)>, tree: &mut UserPropsTree) -> Result<()> {
    for (name, props) in datasets {
        let name = DatasetName::new(name)?;
        let NvValue::List(props) = props else {
            return Err(malformed(&name));
        };
        let mut map = UserPropMap::new();
        for (prop, value) in props {
            let NvValue::String(value) = value else {
                return Err(malformed(&name));
            };
            map.insert(UserProp::new(prop)?, value);
        }
        tree.datasets.push((name, map));
    }
    Ok(())
}

fn malformed(name: &DatasetName) -> Error {
    Error::Os {
        operation: "lzc_channel_program_nosync",
        dataset: name.to_string(),
        source: std::io::Error::from_raw_os_error(libc::EINVAL),
    }
}

/// The order of a depth-first walk with children in name order: the names'
/// `/`-separated components compared one by one.
pub(crate) fn walk_order(a: &DatasetName, b: &DatasetName) -> Ordering {
    a.as_str().split('/').cmp(b.as_str().split('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(s: &str) -> DatasetName {
        DatasetName::new(s).unwrap()
    }

    #[test]
    fn walk_order_puts_parents_first_and_siblings_by_name() {
        let mut names = [
            name("p/b"),
            name("p/a-b"),
            name("p/a/x"),
            name("p"),
            name("p/a"),
        ];
        names.sort_by(walk_order);
        let got: Vec<&str> = names.iter().map(DatasetName::as_str).collect();
        assert_eq!(got, ["p", "p/a", "p/a/x", "p/a-b", "p/b"]);
    }

    #[test]
    fn output_without_return_is_refused() {
        assert!(parse_output(vec![("error".into(), NvValue::String("x".into()))]).is_none());
        let empty = vec![("return".into(), NvValue::List(vec![]))];
        assert!(parse_output(empty).is_none());
    }

    #[test]
    fn limit_errors_are_the_three_documented_ones() {
        assert!(is_limit_error(ETIME));
        assert!(is_limit_error(libc::ENOSPC));
        assert!(is_limit_error(libc::ENOMEM));
        assert!(!is_limit_error(libc::EPERM));
    }
}
