// Reads the extension's settings through one place, typed by settingsSchema.ts, and tells
// listeners which keys changed so features reconfigure live (no window reload).
import * as vscode from 'vscode';
import type { Logger } from './core/logger';
import { coerceSetting, SETTINGS_SECTION, settingId, settingKeys, type SettingKey, type SettingValues } from './core/settingsSchema';

export class Settings implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ReadonlySet<SettingKey>>();
  /** Fires with the keys whose effective value may have changed. */
  readonly onDidChange = this.changed.event;
  private readonly subscription: vscode.Disposable;
  /** Problems already reported, so a bad value is logged once, not on every keystroke. */
  private readonly reported = new Set<string>();

  constructor(private readonly log: Logger) {
    this.subscription = vscode.workspace.onDidChangeConfiguration((e) => {
      const keys = settingKeys.filter((k) => e.affectsConfiguration(settingId(k)));
      if (keys.length > 0) this.changed.fire(new Set(keys));
    });
  }

  get<K extends SettingKey>(key: K): SettingValues[K] {
    const raw = vscode.workspace.getConfiguration(SETTINGS_SECTION).get<unknown>(key);
    const { value, problem } = coerceSetting(key, raw);
    if (problem && !this.reported.has(problem)) {
      this.reported.add(problem);
      this.log.warn(`${problem}; using the default (${JSON.stringify(value)})`);
    }
    return value;
  }

  /** Writes a setting to the user's settings (model folder choice, completions toggle). */
  async update<K extends SettingKey>(key: K, value: SettingValues[K]): Promise<void> {
    await vscode.workspace.getConfiguration(SETTINGS_SECTION).update(key, value, vscode.ConfigurationTarget.Global);
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
