/**
 * The two sides of an A/B run as directories to run from: a git ref checked out into a temporary worktree (removed
 * on every exit path), or the working tree itself, uncommitted changes included.
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../host/errors.ts';
import { deferCleanup } from '../host/lifecycle.ts';

export interface Checkout {
  /** base or head. */
  readonly side: string;
  /** What the user named: a ref, or "working tree". */
  readonly ref: string;
  /** The commit (the working tree's HEAD, for the working tree). */
  readonly sha: string;
  /** True for the working tree with changes that no commit holds. */
  readonly uncommitted: boolean;
  readonly dir: string;
}

function git(repo: string, args: readonly string[]): string {
  return execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** The top of the git repository that holds `dir`. */
export function repositoryRoot(dir: string): string {
  try {
    return git(dir, ['rev-parse', '--show-toplevel']);
  } catch {
    throw new UsageError(`${dir} is not inside a git repository: run ab from a clone of the project`);
  }
}

/** Refuses states the working tree cannot be measured in (a merge or rebase with unresolved paths). */
export function checkWorkingTree(repo: string): void {
  const unmerged = git(repo, ['diff', '--name-only', '--diff-filter=U']);
  if (unmerged) throw new UsageError(`the working tree has unresolved merge conflicts (${unmerged.split('\n')[0]}…): resolve or abort them first, or A/B two refs with --head`);
}

export function resolveCommit(repo: string, ref: string): string {
  try {
    return git(repo, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  } catch {
    throw new UsageError(`unknown git ref "${ref}": name a branch, tag or commit of this repository (in a shallow clone, fetch it first: git fetch --unshallow, or actions/checkout with fetch-depth: 0)`);
  }
}

/** The working tree as the head side. */
export function workingTree(repo: string): Checkout {
  const uncommitted = git(repo, ['status', '--porcelain', '--untracked-files=no']) !== '';
  return { side: 'head', ref: 'working tree', sha: git(repo, ['rev-parse', 'HEAD']), uncommitted, dir: repo };
}

/**
 * Checks `sha` out into `parent/side` as a detached worktree. The worktree is removed (and git's record of it
 * pruned) when the run ends, however it ends; a forced exit leaves only a record that the next run prunes.
 */
export function addWorktree(repo: string, side: string, ref: string, sha: string, parent: string): Checkout {
  const dir = join(parent, side);
  git(repo, ['worktree', 'prune']);
  deferCleanup(`${side} worktree`, async () => removeWorktree(repo, dir));
  git(repo, ['worktree', 'add', '--detach', '--quiet', dir, sha]);
  return { side, ref, sha, uncommitted: false, dir };
}

function removeWorktree(repo: string, dir: string): void {
  try {
    git(repo, ['worktree', 'remove', '--force', dir]);
  } catch {
    // never added, or half added: remove what is there and let git forget it
    rmSync(dir, { recursive: true, force: true });
  }
  git(repo, ['worktree', 'prune']);
}

export const describeCheckout = (checkout: Checkout): string =>
  `${checkout.ref === checkout.sha ? checkout.sha.slice(0, 7) : `${checkout.ref} (${checkout.sha.slice(0, 7)}${checkout.uncommitted ? ' + uncommitted changes' : ''})`}`;
