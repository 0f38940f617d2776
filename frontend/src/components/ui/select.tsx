import * as RadixSelect from '@radix-ui/react-select'
import { Check, ChevronDown } from 'lucide-react'
import type { Ref } from 'react'
import { cn } from '@/lib/cn'

export interface SelectOption<T extends string> {
  value: T
  label: string
  description?: string
}

interface SelectProps<T extends string> {
  value: T | undefined
  onValueChange: (value: T) => void
  options: ReadonlyArray<SelectOption<T>>
  placeholder?: string
  disabled?: boolean
  className?: string
  id?: string
  name?: string
  ref?: Ref<HTMLButtonElement>
  'aria-label'?: string
  'aria-invalid'?: boolean
  'aria-describedby'?: string
}

/** A styled Radix select: keyboard and screen-reader friendly, typed by its values. */
export function Select<T extends string>({ value, onValueChange, options, placeholder, disabled, className, ref, ...aria }: SelectProps<T>) {
  return (
    <RadixSelect.Root value={value} onValueChange={(v) => onValueChange(v as T)} disabled={disabled}>
      <RadixSelect.Trigger
        ref={ref}
        {...aria}
        className={cn(
          'inline-flex h-9 w-full items-center justify-between gap-2 rounded-md border border-zinc-300 bg-white px-3 text-left text-sm text-zinc-900 shadow-xs',
          'focus:border-brand-600 focus:outline-2 focus:outline-brand-600/30 disabled:bg-zinc-50 disabled:text-zinc-500 data-[placeholder]:text-zinc-400',
          'aria-[invalid=true]:border-red-500',
          className,
        )}
      >
        <RadixSelect.Value placeholder={placeholder} />
        <RadixSelect.Icon>
          <ChevronDown className="size-4 text-zinc-500" aria-hidden />
        </RadixSelect.Icon>
      </RadixSelect.Trigger>
      <RadixSelect.Portal>
        <RadixSelect.Content
          position="popper"
          sideOffset={4}
          className="z-50 max-h-[min(var(--radix-select-content-available-height),20rem)] min-w-[var(--radix-select-trigger-width)] overflow-hidden rounded-md border border-zinc-200 bg-white shadow-lg"
        >
          <RadixSelect.Viewport className="p-1">
            {options.map((o) => (
              <RadixSelect.Item
                key={o.value}
                value={o.value}
                className="relative flex cursor-default flex-col rounded px-2 py-1.5 pr-8 text-sm text-zinc-800 outline-none select-none data-[highlighted]:bg-zinc-100"
              >
                <RadixSelect.ItemText>{o.label}</RadixSelect.ItemText>
                {o.description && <span className="text-xs text-zinc-500">{o.description}</span>}
                <RadixSelect.ItemIndicator className="absolute top-2 right-2">
                  <Check className="size-4 text-brand-600" aria-hidden />
                </RadixSelect.ItemIndicator>
              </RadixSelect.Item>
            ))}
          </RadixSelect.Viewport>
        </RadixSelect.Content>
      </RadixSelect.Portal>
    </RadixSelect.Root>
  )
}
