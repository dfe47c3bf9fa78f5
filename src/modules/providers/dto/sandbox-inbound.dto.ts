import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length } from 'class-validator';

export class SandboxInboundDto {
  @ApiProperty({ example: '+31612345678', description: 'The customer writing' })
  @IsString()
  @Length(1, 40)
  from!: string;

  @ApiProperty({ example: 'Hallo, ik heb een vraag' })
  @IsString()
  @Length(1, 4096)
  text!: string;

  @ApiPropertyOptional({ example: 'Sanne', description: 'WhatsApp profile name' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  profileName?: string;
}

export class SandboxInboundResponse {
  @ApiProperty({ description: 'The simulated vendor message id' }) vendorMessageId!: string;
}
