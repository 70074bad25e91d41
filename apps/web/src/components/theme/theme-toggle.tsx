'use client';

import type { ThemeChoice } from './theme-choice';
import { useTheme } from './theme-provider';

const choices: { choice: ThemeChoice; label: string; title: string }[] = [
  { choice: 'system', label: 'Auto', title: 'Follow the system setting' },
  { choice: 'light', label: 'Light', title: 'Always light' },
  { choice: 'dark', label: 'Dark', title: 'Always dark' },
];

/** System / light / dark, remembered in a cookie. */
export const ThemeToggle = () => {
  const { choice: current, choose } = useTheme();
  return (
    <fieldset className="theme-toggle" data-testid="theme-toggle">
      <legend className="visually-hidden">Theme</legend>
      {choices.map(({ choice, label, title }) => (
        <button
          key={choice}
          type="button"
          title={title}
          aria-pressed={current === choice}
          data-theme-choice={choice}
          onClick={() => choose(choice)}
        >
          {label}
        </button>
      ))}
    </fieldset>
  );
};
